/**
 * The `filter` parameter of Compute list calls, the part of its grammar hoist relies on:
 * comparisons `FIELD = VALUE`, `FIELD != VALUE` (exact), `FIELD eq RE2`, `FIELD ne RE2`
 * (the whole value must match), on dotted paths such as `labels.env` or `description`, with
 * quoted or bare literals, joined by `AND` or written one after another in parentheses.
 * Anything else is rejected as the real API rejects a filter it cannot parse.
 */

import { ApiError } from './errors.js';

type Op = '=' | '!=' | 'eq' | 'ne';
interface Comparison {
  readonly path: readonly string[];
  readonly op: Op;
  readonly value: string;
}

export type Predicate = (resource: Record<string, unknown>) => boolean;

export function parseFilter(filter: string | undefined): Predicate {
  if (filter === undefined || filter.trim() === '') return () => true;
  const comparisons = parse(filter);
  return (r) => comparisons.every((c) => matches(c, r));
}

function bad(filter: string, why: string): ApiError {
  return new ApiError(400, 'invalid', `Invalid list filter expression '${filter}': ${why}`);
}

function parse(filter: string): Comparison[] {
  const out: Comparison[] = [];
  let rest = filter.trim();
  while (rest.length > 0) {
    let inner = rest;
    let after = '';
    if (rest.startsWith('(')) {
      const close = closingParen(rest);
      if (close < 0) throw bad(filter, 'unbalanced parentheses');
      inner = rest.slice(1, close).trim();
      after = rest.slice(close + 1).trim();
    }
    const m = /^([A-Za-z_][\w.-]*)\s*(!=|=|\beq\b|\bne\b)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s()]+)\s*/.exec(inner);
    if (!m) throw bad(filter, 'expected FIELD = VALUE, FIELD != VALUE, FIELD eq REGEX or FIELD ne REGEX');
    const literal = m[3]!;
    const value = /^["']/.test(literal) ? literal.slice(1, -1).replace(/\\(.)/g, '$1') : literal;
    out.push({ path: m[1]!.split('.'), op: m[2] as Op, value });
    const left = inner.slice(m[0].length).trim();
    if (rest.startsWith('(')) {
      if (left !== '') throw bad(filter, 'one comparison per parenthesis');
      rest = after;
    } else {
      rest = left;
    }
    rest = rest.replace(/^AND\s+/, '');
    if (/^OR\b/.test(rest)) throw bad(filter, 'OR is not supported here');
  }
  return out;
}

function closingParen(s: string): number {
  let quote: string | undefined;
  for (let i = 1; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ')') return i;
  }
  return -1;
}

function matches(c: Comparison, resource: Record<string, unknown>): boolean {
  let v: unknown = resource;
  for (const key of c.path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  const text = v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
  switch (c.op) {
    case '=':
      return text === c.value;
    case '!=':
      return text !== c.value;
    case 'eq':
      return text !== undefined && new RegExp(`^(?:${c.value})$`).test(text);
    case 'ne':
      return text === undefined || !new RegExp(`^(?:${c.value})$`).test(text);
  }
}
