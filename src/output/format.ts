import { stringify } from 'yaml';

export { OUTPUT_FORMATS, parseOutputFormat, renderTable } from './table.js';
export type { Column, OutputFormat } from './table.js';

/** YAML documents separated by `---`, as kubectl prints lists of objects. */
export function renderYamlDocuments(docs: readonly unknown[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
