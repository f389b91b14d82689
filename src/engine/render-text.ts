/**
 * The plan as text for a person, in the style of kops: what will be created, modified,
 * replaced and deleted, each object with its fields as `before -> after`, sorted.
 */

import { createPatch } from 'diff';
import type { FieldChange, Plan, PlannedChange } from './plan.js';
import { ADDON_KINDS, renderAddonChanges } from './render-addons.js';
import { hasChanges } from './plan.js';
import type { Value } from './task.js';
import { isRef } from './task.js';

const SECTIONS = [
  ['create', 'Will create resources:'],
  ['update', 'Will modify resources:'],
  ['replace', 'Will replace resources:'],
  ['delete', 'Will delete resources:'],
] as const;

export function renderPlanText(plan: Plan): string {
  if (!hasChanges(plan)) return `No changes: the cloud matches the spec of ${plan.cluster} (${plan.summary.noop} resources checked).\n`;
  const out: string[] = [];
  for (const [action, title] of SECTIONS) {
    const changes = plan.changes.filter((c) => c.action === action && !ADDON_KINDS.has(c.kind));
    if (changes.length === 0) continue;
    out.push(title);
    for (const c of changes) out.push(...renderChange(c), '');
  }
  out.push(...renderAddonChanges(plan.changes.filter((c) => ADDON_KINDS.has(c.kind))));
  const s = plan.summary;
  out.push(`Plan: ${s.create} to create, ${s.update} to modify, ${s.replace} to replace, ${s.delete} to delete (${s.noop} unchanged).`);
  return `${out.join('\n')}\n`;
}

function renderChange(c: PlannedChange): string[] {
  const head = `  ${c.id}`;
  if (c.action === 'delete') return [`${head}${c.deleteReason ? `  (${c.deleteReason})` : ''}`];
  const lines = [c.action === 'replace' ? `${head}  (replaced: ${c.replaceReason})` : head];
  const width = Math.min(28, Math.max(...c.changes.map((f) => f.path.length)));
  for (const f of c.changes) lines.push(...renderField(f, width, c.action === 'create'));
  return lines;
}

function renderField(f: FieldChange, width: number, creating: boolean): string[] {
  const name = `    ${f.path.padEnd(width)}  `;
  const before = f.before === undefined ? undefined : show(f.before);
  const after = f.after === undefined ? '(none)' : show(f.after);
  if (creating && isMultiline(after)) return [name.trimEnd(), ...after.trimEnd().split('\n').map((l) => `      ${l}`)];
  if (isMultiline(before) || isMultiline(after)) {
    const patch = createPatch(f.path, before ?? '', isRef(f.after) ? '' : after, undefined, undefined, { context: 2 });
    const body = patch.split('\n').slice(4).filter((l) => l !== '\\ No newline at end of file' && l !== '');
    return [`${name}${isRef(f.after) ? after : '(diff)'}`, ...body.map((l) => `      ${l}`)];
  }
  return [creating || before === undefined ? `${name}${after}` : `${name}${before} -> ${after}`];
}

/** A value for a person: strings bare, references as "known after apply", the rest as JSON. */
function show(v: Value | undefined): string {
  if (isRef(v)) return `(known after apply: ${v.$ref} ${v.output})`;
  if (typeof v === 'string') return v;
  return JSON.stringify(v, (_k, x: unknown) => (isRef(x) ? `(known after apply: ${x.$ref} ${x.output})` : x));
}

function isMultiline(s: string | undefined): boolean {
  return s !== undefined && s.includes('\n');
}
