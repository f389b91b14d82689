/**
 * Batched discovery: every kind lists its live objects once, all kinds at the same time. Tasks
 * then read from this snapshot, so a plan costs API calls per kind of object, not per object.
 */

import type { Discovered } from './planner.js';
import type { Task, TaskKind } from './task.js';

/** `tasks`: the plan's tasks, which let a kind skip reading what they show unchanged. */
export async function discoverAll<Ctx>(kinds: ReadonlyMap<string, TaskKind<Ctx>>, ctx: Ctx, tasks?: readonly Task[]): Promise<Discovered> {
  const byKind = new Map<string, Task[]>();
  for (const t of tasks ?? []) {
    const list = byKind.get(t.kind);
    if (list) list.push(t);
    else byKind.set(t.kind, [t]);
  }
  const desired = (kind: string) => (tasks === undefined ? undefined : (byKind.get(kind) ?? []));
  const entries = await Promise.all([...kinds.values()].map(async (k) => [k.kind, await k.discover(ctx, desired(k.kind))] as const));
  return new Map(entries);
}
