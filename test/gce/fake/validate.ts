/** Field rules the real API enforces on the calls hoist makes. */

import { invalid, required } from './errors.js';

export type Json = Record<string, unknown>;

const RFC1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

export function requireName(body: Json, field = 'resource.name'): string {
  const name = body.name;
  if (name === undefined || name === '') throw required(field);
  if (typeof name !== 'string' || !RFC1035.test(name)) {
    throw invalid(field, name, "Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?|[1-9][0-9]{0,19})'");
  }
  return name;
}

export function requireField<T = unknown>(body: Json, key: string, field: string): T {
  const v = body[key];
  if (v === undefined || v === null || v === '') throw required(field);
  return v as T;
}

export function optionalString(body: Json, key: string, field: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(field, v, 'Expected a string.');
  return v;
}

export function checkRfc1035(value: unknown, field: string, max = 63): string {
  if (typeof value !== 'string' || value.length > max || !RFC1035.test(value)) {
    throw invalid(field, value, `Must be a match of regex '[a-z]([-a-z0-9]*[a-z0-9])?' of at most ${max} characters.`);
  }
  return value;
}

export function checkLabels(labels: unknown, field: string): Record<string, string> {
  if (labels === undefined) return {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw invalid(field, labels, 'Labels must be a map.');
  const entries = Object.entries(labels as Record<string, unknown>);
  if (entries.length > 64) throw invalid(field, labels, 'A resource can have at most 64 labels.');
  for (const [k, v] of entries) {
    if (!LABEL_KEY.test(k)) throw invalid(`${field}.${k}`, k, 'Label keys must start with a lowercase letter and contain only lowercase letters, digits, underscores and dashes (at most 63).');
    if (typeof v !== 'string' || !LABEL_VALUE.test(v)) throw invalid(`${field}.${k}`, v, 'Label values contain only lowercase letters, digits, underscores and dashes (at most 63).');
  }
  return labels as Record<string, string>;
}

/** An IPv4 range `a.b.c.d/n` with no host bits set. */
export function checkCidr(value: unknown, field: string): { base: number; bits: number } {
  const m = typeof value === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value) : null;
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || bits > 32) throw invalid(field, value, 'Expected an IPv4 range in CIDR notation.');
  const base = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  if (base % size !== 0) throw invalid(field, value, 'The range has host bits set.');
  return { base, bits };
}

export function overlaps(a: { base: number; bits: number }, b: { base: number; bits: number }): boolean {
  const end = (c: { base: number; bits: number }) => c.base + 2 ** (32 - c.bits);
  return a.base < end(b) && b.base < end(a);
}

export function ipOf(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** int64 fields travel as strings; the API also takes numbers. */
export function int64(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(field, value, 'Expected an integer.');
  return n;
}

/** Metadata items: unique keys of letters, digits, `-` and `_`; values up to 256 KB, 512 KB in all. */
export function checkMetadata(metadata: unknown, field: string): void {
  if (metadata === undefined) return;
  const items = (metadata as { items?: unknown }).items ?? [];
  if (!Array.isArray(items)) throw invalid(`${field}.items`, items, 'Expected a list.');
  const seen = new Set<string>();
  let total = 0;
  for (const [i, item] of items.entries()) {
    const { key, value } = item as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(key)) throw invalid(`${field}.items[${i}].key`, key, 'Metadata keys contain letters, digits, dashes and underscores (at most 128).');
    if (seen.has(key)) throw invalid(`${field}.items[${i}].key`, key, 'Duplicate metadata key.');
    seen.add(key);
    const size = typeof value === 'string' ? Buffer.byteLength(value) : 0;
    if (size > 256 * 1024) throw invalid(`${field}.items[${i}].value`, `${size} bytes`, 'A metadata value is at most 256 KB.');
    total += size + key.length;
  }
  if (total > 512 * 1024) throw invalid(field, `${total} bytes`, 'Metadata is at most 512 KB in total.');
}
