/**
 * Label and field selectors as the API server reads them from `labelSelector` and
 * `fieldSelector`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a` for labels;
 * `path=value` and `path!=value` for fields, where a field is any dotted path of the object
 * (kube-apiserver allows a fixed few per resource; every one of those is a dotted path).
 */

import { badRequest } from './status.js';
import type { KubeObject } from './storage.js';

export type Matcher = (object: KubeObject) => boolean;

type Requirement =
  | { readonly op: 'eq' | 'ne'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'absent'; readonly key: string };

/** Splits on the commas that are not inside `( … )`. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') terms.push(current.trim());
  return terms.filter((t) => t !== '');
}

function parseLabelTerm(term: string): Requirement {
  const set = /^([A-Za-z0-9._/-]+)\s+(in|notin)\s+\(([A-Za-z0-9._,\s-]*)\)$/.exec(term);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
    return { op: set[2] === 'in' ? 'in' : 'notin', key: set[1] ?? '', values };
  }
  // Keys and values as Kubernetes allows them in labels.
  const cmp = /^([A-Za-z0-9._/-]+)\s*(==|!=|=)\s*([A-Za-z0-9._-]*)$/.exec(term);
  if (cmp) return { op: cmp[2] === '!=' ? 'ne' : 'eq', key: cmp[1] ?? '', value: cmp[3] ?? '' };
  const absent = /^!\s*([A-Za-z0-9._/-]+)$/.exec(term);
  if (absent) return { op: 'absent', key: absent[1] ?? '' };
  if (/^[A-Za-z0-9._/-]+$/.test(term)) return { op: 'exists', key: term };
  throw badRequest(`unable to parse requirement: ${JSON.stringify(term)} is not a selector term (e.g. app=web, tier in (a,b), !legacy)`);
}

function test(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case 'eq':
      return value === req.value;
    case 'ne':
      return value !== req.value;
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return value !== undefined;
    case 'absent':
      return value === undefined;
  }
}

export function labelMatcher(selector: string | undefined): Matcher {
  if (selector === undefined || selector.trim() === '') return () => true;
  const reqs = splitTerms(selector).map(parseLabelTerm);
  return (object) => {
    const labels = (object.metadata?.labels ?? {}) as Record<string, string>;
    return reqs.every((r) => test(r, labels[r.key]));
  };
}

/** A structured label selector (`matchLabels`, `matchExpressions`), as PodDisruptionBudgets and RBAC aggregation hold. */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (selector === null || typeof selector !== 'object') return false;
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const value = labels[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === 'In' ? value !== undefined && values.includes(value)
      : e.operator === 'NotIn' ? value === undefined || !values.includes(value)
      : e.operator === 'Exists' ? value !== undefined
      : e.operator === 'DoesNotExist' ? value === undefined
      : false;
    if (!ok) return false;
  }
  return true;
}

export function fieldValue(object: unknown, path: string): string | undefined {
  let at: unknown = object;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  if (at === undefined || at === null) return undefined;
  return typeof at === 'object' ? JSON.stringify(at) : String(at);
}

export function fieldMatcher(selector: string | undefined): Matcher {
  if (selector === undefined || selector.trim() === '') return () => true;
  const reqs = splitTerms(selector).map((term) => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector: ${JSON.stringify(term)} is not path=value or path!=value (e.g. metadata.name=web, spec.nodeName=node-1)`);
    return { path: m[1] ?? '', ne: m[2] === '!=', value: (m[3] ?? '').trim() };
  });
  // An unset field compares as "" (spec.nodeName= selects unscheduled pods).
  return (object) => reqs.every((r) => ((fieldValue(object, r.path) ?? '') === r.value) !== r.ne);
}
