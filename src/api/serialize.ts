/**
 * Writing specs as YAML: keys in schema order (apiVersion, kind, metadata, spec, then each object's
 * fields as the schema lists them; map keys sorted), so the same object always gives the same
 * text and diffs of stored specs stay small.
 */

import { stringify } from 'yaml';
import type * as z from 'zod';
import { ClusterSchema, InstanceGroupSchema } from './schema.js';
import type { Kind } from './schema.js';
import { defOf, unwrap } from './zod-walk.js';

/** Where the JSON Schemas are published; `docs/schema/` in the repository holds the same files. */
export const SCHEMA_BASE_URL = 'https://hoist.dev/schema/v1alpha1';
export const SCHEMA_URLS: Readonly<Record<Kind, string>> = {
  Cluster: `${SCHEMA_BASE_URL}/cluster.json`,
  InstanceGroup: `${SCHEMA_BASE_URL}/instancegroup.json`,
};

export interface ToYamlOptions {
  /** Start with a `# yaml-language-server: $schema=<url>` line, so editors validate as you type. */
  readonly schemaComment?: boolean;
}

export function toYaml(obj: unknown, options: ToYamlOptions = {}): string {
  const kind = typeof obj === 'object' && obj !== null ? (obj as { kind?: unknown }).kind : undefined;
  const schema = kind === 'Cluster' ? ClusterSchema : kind === 'InstanceGroup' ? InstanceGroupSchema : undefined;
  const ordered = schema ? inSchemaOrder(obj, schema) : obj;
  const text = stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false });
  const header = options.schemaComment && schema ? `# yaml-language-server: $schema=${SCHEMA_URLS[kind as Kind]}\n` : '';
  return header + text;
}

function inSchemaOrder(value: unknown, schema: z.ZodType | undefined): unknown {
  if (Array.isArray(value)) {
    const def = schema ? defOf(unwrap(schema)) : undefined;
    return value.map((v) => inSchemaOrder(v, def?.type === 'array' ? def.element : undefined));
  }
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const def = schema ? defOf(unwrap(schema)) : undefined;
  const shape = def?.type === 'object' ? (def.shape ?? {}) : {};
  const known = Object.keys(shape).filter((k) => k in record);
  const rest = Object.keys(record).filter((k) => !(k in shape)).sort();
  const out: Record<string, unknown> = {};
  for (const key of [...known, ...rest]) {
    const field = shape[key] ?? (def?.type === 'record' ? def.valueType : undefined);
    out[key] = inSchemaOrder(record[key], field);
  }
  return out;
}
