/**
 * Batched discovery: every kind lists its live objects once, all kinds at the same time. Tasks
 * then read from this snapshot, so a plan costs API calls per kind of object, not per object.
 *
 * Discovery starts before the plan's tasks are built: the kinds that do not read the tasks
 * (most) are listed while the node configurations and tasks are made, so that the cloud's
 * answers and that work overlap; the kinds that read them start once they are known.
 */

import type { Discovered } from './planner.js';
import type { LiveObject, Task, TaskKind } from './task.js';

export interface Discovery<Ctx> {
  /**
   * The live state of every kind of `kinds`: those started early are awaited, the rest are
   * discovered now, given the plan's `tasks` of their kind (absent: everything is read).
   */
  finish(kinds: ReadonlyMap<string, TaskKind<Ctx>>, tasks?: readonly Task[]): Promise<Discovered>;
}

/**
 * Starts discovering each kind of `kinds` that does not read the plan's tasks. A plan that fails
 * before `finish` leaves these to end with its session: their failures are not reported twice.
 */
export function startDiscovery<Ctx>(kinds: ReadonlyMap<string, TaskKind<Ctx>>, ctx: Ctx): Discovery<Ctx> {
  const started = new Map<string, Promise<readonly LiveObject[]>>();
  for (const k of kinds.values()) {
    if (k.discoverReadsTasks === true) {
      k.prefetch?.(ctx);
      continue;
    }
    const listing = k.discover(ctx);
    // Awaited by finish; a plan that failed first never asks for it.
    listing.catch(() => undefined);
    started.set(k.kind, listing);
  }
  return {
    async finish(all, tasks) {
      const byKind = new Map<string, Task[]>();
      for (const t of tasks ?? []) {
        const list = byKind.get(t.kind);
        if (list) list.push(t);
        else byKind.set(t.kind, [t]);
      }
      const desired = (kind: string) => (tasks === undefined ? undefined : (byKind.get(kind) ?? []));
      const entries = await Promise.all(
        [...all.values()].map(async (k) => [k.kind, await (started.get(k.kind) ?? k.discover(ctx, desired(k.kind)))] as const),
      );
      return new Map(entries);
    },
  };
}

/** Discovers every kind at once. `tasks`: the plan's tasks, which let a kind skip reading what they show unchanged. */
export async function discoverAll<Ctx>(kinds: ReadonlyMap<string, TaskKind<Ctx>>, ctx: Ctx, tasks?: readonly Task[]): Promise<Discovered> {
  return startDiscovery(kinds, ctx).finish(kinds, tasks);
}
