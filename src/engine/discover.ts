/**
 * Batched discovery: every kind lists its live objects once, all kinds at the same time. Tasks
 * then read from this snapshot, so a plan costs API calls per kind of object, not per object.
 */

import type { Discovered } from './planner.js';
import type { TaskKind } from './task.js';

export async function discoverAll<Ctx>(kinds: ReadonlyMap<string, TaskKind<Ctx>>, ctx: Ctx): Promise<Discovered> {
  const entries = await Promise.all([...kinds.values()].map(async (k) => [k.kind, await k.discover(ctx)] as const));
  return new Map(entries);
}
