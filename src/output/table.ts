/**
 * Output formats and tables, without the YAML library: `hoist get clusters` prints a table and
 * should not load what it does not print (format.ts re-exports all of this).
 */

import { invalidFlag } from '../errors.js';

export const OUTPUT_FORMATS = ['table', 'yaml', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string | undefined, fallback: OutputFormat = 'table'): OutputFormat {
  if (value === undefined) return fallback;
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw invalidFlag('--output', value, 'is not an output format', `use one of ${OUTPUT_FORMATS.join(', ')}`);
}

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string | number | undefined;
}

/** A plain, aligned table in the style of kubectl and kops: upper-case headers, two spaces apart. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => String(c.value(row) ?? '')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]) =>
    values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}
