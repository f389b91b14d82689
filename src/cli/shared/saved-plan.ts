/**
 * Saved plans: `update cluster --save-plan FILE` writes the plan; `--plan FILE --yes` applies it
 * only if planning again now gives exactly the same plan, and otherwise says what moved.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { HoistError, invalidFlag } from '../../errors.js';
import type { Plan, PlannedChange } from '../../engine/plan.js';
import { PLAN_FORMAT_VERSION } from '../../engine/plan.js';
import type { IO } from '../../output/io.js';

export async function savePlan(io: IO, file: string, plan: Plan): Promise<void> {
  await writeFile(resolve(io.cwd, file), `${JSON.stringify(plan, null, 2)}\n`);
}

export async function loadPlan(io: IO, file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch {
    throw invalidFlag('--plan', file, 'cannot be read', 'name a file written by hoist update cluster --save-plan');
  }
  let plan: Plan;
  try {
    plan = JSON.parse(text) as Plan;
  } catch {
    throw invalidFlag('--plan', file, 'is not a saved plan (not JSON)', 'name a file written by hoist update cluster --save-plan');
  }
  if (plan?.format_version !== PLAN_FORMAT_VERSION || !Array.isArray(plan.changes)) {
    throw invalidFlag('--plan', file, `is not a plan of format ${PLAN_FORMAT_VERSION}`, 'save the plan again with this version of hoist');
  }
  return plan;
}

/** Refuses a saved plan that is not what applying would do now, with the reason. */
export function checkSavedPlan(saved: Plan, now: Plan): void {
  const refuse = (why: string) =>
    new HoistError('CONFLICT', `the saved plan is stale: ${why}; nothing was applied`, {
      hint: `make a new plan: hoist update cluster ${now.cluster} --save-plan FILE`,
    });
  if (saved.cluster !== now.cluster) throw refuse(`it is for cluster ${saved.cluster}, not ${now.cluster}`);
  if (saved.specRevision !== now.specRevision) {
    throw refuse(`it was made from revision ${saved.specRevision} of the spec, which is now at revision ${now.specRevision} (hoist diff cluster ${now.cluster} --from ${saved.specRevision})`);
  }
  const before = new Map(saved.changes.map((c) => [c.id, c]));
  const after = new Map(now.changes.map((c) => [c.id, c]));
  const moved: string[] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(id);
    const b = after.get(id);
    if (!isDeepStrictEqual(comparable(a), comparable(b))) moved.push(`${id}: planned ${describe(a)}, now ${describe(b)}`);
  }
  if (moved.length > 0) throw refuse(`the live cloud changed since it was made:\n  ${moved.sort().join('\n  ')}`);
}

function comparable(c: PlannedChange | undefined) {
  return c && { action: c.action, liveId: c.liveId, changes: c.changes, replaceReason: c.replaceReason };
}

function describe(c: PlannedChange | undefined): string {
  if (!c) return 'nothing';
  return c.action === 'update' || c.action === 'replace' ? `${c.action} of ${c.changes.map((f) => f.path).join(', ')}` : c.action;
}
