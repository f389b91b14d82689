/**
 * The published JSON Schemas, generated from the zod schemas. Draft-07, which every YAML editor
 * (yaml-language-server, JetBrains) understands.
 */

import * as z from 'zod';
import { ClusterSchema, InstanceGroupSchema } from './schema.js';
import type { Kind } from './schema.js';
import { SCHEMA_URLS } from './serialize.js';

export const SCHEMA_FILES: Readonly<Record<Kind, string>> = {
  Cluster: 'docs/schema/cluster.json',
  InstanceGroup: 'docs/schema/instancegroup.json',
};

export function jsonSchema(kind: Kind): Record<string, unknown> {
  const schema = kind === 'Cluster' ? ClusterSchema : InstanceGroupSchema;
  const generated = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: SCHEMA_URLS[kind], title: `hoist ${kind} (hoist.dev/v1alpha1)`, ...rest };
}

/** The schema files' contents, by repository path. */
export function jsonSchemaFiles(): { readonly path: string; readonly text: string }[] {
  return (Object.keys(SCHEMA_FILES) as Kind[]).map((kind) => ({
    path: SCHEMA_FILES[kind],
    text: `${JSON.stringify(jsonSchema(kind), null, 2)}\n`,
  }));
}
