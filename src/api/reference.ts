/**
 * The field tables of docs/spec-reference.md, generated from the schemas so the reference never
 * drifts from what the parser accepts. The prose around them is written by hand; the tables sit
 * between `<!-- generated:NAME -->` and `<!-- end:NAME -->` markers.
 */

import type * as z from 'zod';
import { ClusterSchema, InstanceGroupSchema } from './schema.js';
import { defOf, docsOf, isOptional, objectShape, typeName, unwrap } from './zod-walk.js';

export const SPEC_REFERENCE_FILE = 'docs/spec-reference.md';

const TABLES: Readonly<Record<string, z.ZodType>> = { cluster: ClusterSchema, instancegroup: InstanceGroupSchema };

function rows(schema: z.ZodType, prefix: string, out: string[]): void {
  for (const [key, field] of Object.entries(objectShape(schema) ?? {})) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const doc = docsOf(field).description ?? '';
    out.push(`| \`${path}\` | ${typeName(field)} | ${isOptional(field) ? '' : 'yes'} | ${doc.replace(/\|/g, '\\|')} |`);
    const inner = unwrap(field);
    const def = defOf(inner);
    if (def.type === 'object') rows(inner, path, out);
    else if (def.type === 'array' && def.element && objectShape(def.element)) rows(def.element, `${path}[]`, out);
  }
}

export function fieldTable(name: string): string {
  const schema = TABLES[name];
  if (!schema) return '';
  const out = ['| field | type | required | meaning and default |', '| --- | --- | --- | --- |'];
  rows(schema, '', out);
  return out.join('\n');
}

/** `current` with every generated table replaced by its up-to-date text. */
export function renderSpecReference(current: string): string {
  return current.replace(/(<!-- generated:([a-z]+) -->)[\s\S]*?(<!-- end:\2 -->)/g, (_m, open: string, name: string, close: string) => `${open}\n${fieldTable(name)}\n${close}`);
}
