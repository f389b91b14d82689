/**
 * Addon changes in the text plan, as a person reads them: one line per addon ("Will update addon
 * coredns 1.11.3 → 1.12.0") instead of its fields, then the channel index. The JSON plan keeps
 * them as ordinary changes of the kinds `Addon` and `AddonChannel` (docs/plan-format.md). When the
 * plan compared the manifests (`update cluster --diff-addons`), each changed one is shown as a
 * unified diff.
 */

import { createPatch } from 'diff';
import type { FieldChange, PlannedChange } from './plan.js';

/** The kinds of the addon channel (cloudup/addons/tasks.ts). */
export const ADDON_KINDS: ReadonlySet<string> = new Set(['Addon', 'AddonChannel']);

const VERB = { create: 'create', update: 'update', replace: 'replace', delete: 'delete', noop: 'keep' } as const;

export function renderAddonChanges(changes: readonly PlannedChange[]): string[] {
  const moving = changes.filter((c) => c.action !== 'noop');
  if (moving.length === 0) return [];
  const out = ['Addons:'];
  for (const c of moving.filter((m) => m.kind === 'Addon')) out.push(...addonLines(c));
  for (const c of moving.filter((m) => m.kind === 'AddonChannel')) {
    const names = c.changes.find((f) => f.path === 'names')?.after;
    const count = Array.isArray(names) ? ` (${names.length} addons)` : '';
    out.push(c.action === 'delete' ? `  Will delete the addon channel index` : `  Will ${c.action === 'create' ? 'publish' : 'update'} the addon channel index${count}, after the manifests`);
  }
  return [...out, ''];
}

function addonLines(c: PlannedChange): string[] {
  const field = (path: string): FieldChange | undefined => c.changes.find((f) => f.path === path);
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const version = field('version');
  const sha = field('sha256');
  const source = text(field('from')?.after);
  const from = source === '' ? '' : ` from ${source}`;
  let head: string;
  if (c.action === 'delete') head = `  Will delete addon ${c.name}${c.deleteReason ? ` (${c.deleteReason})` : ''}`;
  else if (c.action === 'create') head = `  Will create addon ${c.name} ${text(version?.after)}${from}`;
  else if (version !== undefined) head = `  Will ${VERB[c.action]} addon ${c.name} ${text(version.before)} → ${text(version.after)}`;
  else if (sha !== undefined) head = `  Will ${VERB[c.action]} addon ${c.name} (same version, manifest changed: sha256 ${text(sha.before).slice(0, 12)} → ${text(sha.after).slice(0, 12)})`;
  else head = `  Will ${VERB[c.action]} addon ${c.name} (${c.changes.map((f) => f.path).join(', ')} changed)`;
  const manifest = field('manifest');
  if (manifest === undefined) return [head];
  const patch = createPatch(`${c.name}.yaml`, text(manifest.before), text(manifest.after), undefined, undefined, { context: 3 });
  const body = patch.split('\n').slice(4).filter((l) => l !== '\\ No newline at end of file' && l !== '');
  return [head, ...body.map((l) => `      ${l}`)];
}
