/**
 * Saved plans: `update cluster --save-plan FILE` writes the plan with a checksum of itself;
 * `--plan FILE --yes` refuses a file whose content no longer matches its checksum, and applies
 * only if planning again now gives exactly the same plan, and otherwise says what moved.
 */

import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { HoistError, invalidFlag } from '../../errors.js';
import type { FieldChange, Plan, PlannedChange } from '../../engine/plan.js';
import { PLAN_FORMAT_VERSION } from '../../engine/plan.js';
import { isRef } from '../../engine/task.js';
import type { IO } from '../../output/io.js';

/** A saved plan file: the plan and the checksum of everything else in it. */
export type SavedPlanFile = Plan & { readonly checksum: string };

/** The most resources a stale refusal lists; the rest are counted. */
const MAX_MOVED = 10;

export async function savePlan(io: Pick<IO, 'cwd'>, file: string, plan: Plan): Promise<void> {
  const saved: SavedPlanFile = { ...plan, checksum: planChecksum(plan) };
  await writeFile(resolve(io.cwd, file), `${JSON.stringify(saved, null, 2)}\n`);
}

/**
 * Reads a saved plan and refuses a file that is not exactly what hoist saved. The checksum
 * catches edits, not forgery: whatever the file says, only the plan made at apply time is
 * applied, and only when it equals the saved one (checkSavedPlan).
 */
export async function loadPlan(io: Pick<IO, 'cwd'>, file: string, cluster: string): Promise<Plan> {
  const again = `make the plan again: hoist update cluster ${cluster} --save-plan ${file}`;
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch {
    throw invalidFlag('--plan', file, 'cannot be read', 'name a file written by hoist update cluster --save-plan');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidFlag('--plan', file, 'is not a saved plan (not JSON)', 'name a file written by hoist update cluster --save-plan');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidFlag('--plan', file, 'is not a saved plan (not a JSON object)', 'name a file written by hoist update cluster --save-plan');
  }
  const { checksum, ...content } = parsed as Record<string, unknown>;
  if (typeof checksum !== 'string') {
    throw invalidFlag('--plan', file, 'has no checksum: it was not saved by hoist update cluster --save-plan, or was saved by an older version; nothing was applied', again);
  }
  if (!matches(checksum, content)) {
    throw invalidFlag('--plan', file, 'was modified after it was saved: its checksum does not match its content; nothing was applied', again);
  }
  const plan = content as unknown as Plan;
  if (plan.format_version !== PLAN_FORMAT_VERSION || !Array.isArray(plan.changes)) {
    throw invalidFlag('--plan', file, `is not a plan of format ${PLAN_FORMAT_VERSION}`, 'save the plan again with this version of hoist');
  }
  return plan;
}

/** sha256 over the canonical JSON of the plan: any change of content changes it, layout does not. */
export function planChecksum(plan: Plan): string {
  const { checksum: _ignored, ...content } = plan as Partial<SavedPlanFile>;
  return checksumOf(content);
}

function matches(checksum: string, content: unknown): boolean {
  try {
    return checksum === checksumOf(content);
  } catch {
    return false; // nested too deep to hash: hoist never writes such a file
  }
}

function checksumOf(content: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

/** JSON with the keys of every object sorted and no layout, so equal content gives equal text. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x: unknown) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Refuses a saved plan that is not what applying would do now, naming each resource and field that moved. */
export function checkSavedPlan(saved: Plan, now: Plan): void {
  const refuse = (why: string, moved: readonly string[]) => {
    const shown = moved.slice(0, MAX_MOVED);
    if (moved.length > MAX_MOVED) shown.push(`... and ${moved.length - MAX_MOVED} more`);
    const list = shown.length > 0 ? `:\n  ${shown.join('\n  ')}\n` : '; ';
    return new HoistError('CONFLICT', `the saved plan is stale: ${why}${list}nothing was applied`, {
      hint: `make a new plan: hoist update cluster ${now.cluster} --save-plan FILE`,
    });
  };
  if (saved.cluster !== now.cluster) throw refuse(`it is for cluster ${saved.cluster}, not ${now.cluster}`, []);
  const moved = differences(saved, now);
  if (saved.specRevision !== now.specRevision) {
    throw refuse(`it was made from revision ${saved.specRevision} of the spec, which is now at revision ${now.specRevision} (hoist diff cluster ${now.cluster} --from ${saved.specRevision})`, moved);
  }
  if (moved.length > 0) throw refuse('the live cloud changed since it was made', moved);
}

/** One line per resource whose planned change moved, sorted by id: what differs first. */
function differences(saved: Plan, now: Plan): string[] {
  const before = new Map(saved.changes.map((c) => [c.id, c]));
  const after = new Map(now.changes.map((c) => [c.id, c]));
  const lines: string[] = [];
  for (const id of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const moved = firstDifference(before.get(id), after.get(id));
    if (moved !== undefined) lines.push(`${id}: ${moved}`);
  }
  return lines;
}

function firstDifference(a: PlannedChange | undefined, b: PlannedChange | undefined): string | undefined {
  if (!a && !b) return undefined;
  if (!a) return `not in the saved plan, now ${describe(b)}`;
  if (!b) return `planned ${describe(a)}, now not planned`;
  if (a.action !== b.action) return `planned ${describe(a)}, now ${describe(b)}`;
  if (a.liveId !== b.liveId) return `live object planned ${a.liveId ?? '(none)'}, now ${b.liveId ?? '(none)'}`;
  const planned = new Map(a.changes.map((f) => [f.path, f]));
  const current = new Map(b.changes.map((f) => [f.path, f]));
  const creating = a.action === 'create';
  for (const path of new Set([...planned.keys(), ...current.keys()])) {
    const pf = planned.get(path);
    const cf = current.get(path);
    if (isDeepStrictEqual(pf, cf)) continue;
    const [p, c] = clipPair(showField(pf, creating), showField(cf, creating));
    return `${path} planned ${p}, now ${c}`;
  }
  if (a.replaceReason !== b.replaceReason) return `replace reason planned ${JSON.stringify(a.replaceReason ?? null)}, now ${JSON.stringify(b.replaceReason ?? null)}`;
  return undefined;
}

function describe(c: PlannedChange | undefined): string {
  if (!c) return 'nothing';
  return c.action === 'update' || c.action === 'replace' ? `${c.action} of ${c.changes.map((f) => f.path).join(', ')}` : c.action;
}

/** A field of a change: its value for a create, `before -> after` otherwise. */
function showField(f: FieldChange | undefined, creating: boolean): string {
  if (!f) return creating ? 'unset' : 'no change';
  const after = f.after === undefined ? '(none)' : show(f.after);
  if (creating) return after;
  return `${f.before === undefined ? '(none)' : show(f.before)} -> ${after}`;
}

/** Values as JSON, so that "60" and 60 read apart; references as "known after apply". */
function show(v: unknown): string {
  if (isRef(v)) return `(known after apply: ${v.$ref} ${v.output})`;
  return JSON.stringify(v, (_k, x: unknown) => (isRef(x) ? `(known after apply: ${x.$ref} ${x.output})` : x));
}

/** Long values (user data) are cut to a window around where the two first differ. */
function clipPair(a: string, b: string, width = 60): [string, string] {
  if (a.length <= width && b.length <= width) return [a, b];
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const start = Math.max(0, i - 20);
  const cut = (s: string) => `${start > 0 ? '...' : ''}${s.slice(start, start + width)}${s.length > start + width ? '...' : ''}`;
  return [cut(a), cut(b)];
}
