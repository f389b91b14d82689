/**
 * Reading our own zod schemas: the keys an object allows (for "did you mean" and for the key
 * order of the YAML we write), the schema at a path, and its documentation.
 *
 * Only the wrappers the API schemas use are unwrapped (optional, nullable, readonly, default,
 * pipe); anything else ends the walk.
 */

import type * as z from 'zod';
import type { Path } from './paths.js';

type AnySchema = z.ZodType;

interface Def {
  readonly type: string;
  readonly innerType?: AnySchema;
  readonly in?: AnySchema;
  readonly shape?: Record<string, AnySchema>;
  readonly element?: AnySchema;
  readonly valueType?: AnySchema;
  readonly options?: readonly AnySchema[];
  readonly entries?: Record<string, string>;
  readonly values?: readonly unknown[];
}

export function defOf(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'nullable', 'readonly', 'default', 'prefault', 'nonoptional', 'catch']);

/** The schema under optional/readonly/... wrappers. */
export function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const def = defOf(s);
    if (WRAPPERS.has(def.type) && def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else break;
  }
  return s;
}

export function isOptional(schema: AnySchema): boolean {
  return defOf(schema).type === 'optional';
}

/** The fields of an object schema, in schema order; undefined for any other schema. */
export function objectShape(schema: AnySchema): Record<string, AnySchema> | undefined {
  const def = defOf(unwrap(schema));
  return def.type === 'object' ? def.shape : undefined;
}

/** The schema of the value at `path` under `root`, following object fields, array items and record values. */
export function schemaAt(root: AnySchema, path: Path): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  for (const segment of path) {
    if (!s) return undefined;
    const def = defOf(unwrap(s));
    if (def.type === 'object' && typeof segment === 'string') s = def.shape?.[segment];
    else if (def.type === 'array' && typeof segment === 'number') s = def.element;
    else if (def.type === 'record' && typeof segment === 'string') s = def.valueType;
    else return undefined;
  }
  return s;
}

/** Description and examples, from the wrapper or the schema it wraps. */
export function docsOf(schema: AnySchema): { description?: string; examples?: readonly unknown[] } {
  const outer = schema.meta() ?? {};
  const inner = unwrap(schema).meta() ?? {};
  const description = (outer.description ?? inner.description) as string | undefined;
  const examples = (outer.examples ?? inner.examples) as readonly unknown[] | undefined;
  return { ...(description === undefined ? {} : { description }), ...(examples === undefined ? {} : { examples }) };
}

/** The allowed values of an enum or literal schema. */
export function enumValues(schema: AnySchema): readonly string[] | undefined {
  const def = defOf(unwrap(schema));
  if (def.type === 'enum' && def.entries) return Object.values(def.entries);
  if (def.type === 'literal' && def.values) return def.values.map(String);
  return undefined;
}

/** A short type name for docs: `string`, `integer`, `"a" | "b"`, `string[]`, `map of string`... */
export function typeName(schema: AnySchema): string {
  const s = unwrap(schema);
  const def = defOf(s);
  switch (def.type) {
    case 'string':
    case 'boolean':
      return def.type;
    case 'number':
      return (s as unknown as { isInt?: boolean }).isInt ? 'integer' : 'number';
    case 'enum':
    case 'literal':
      return (enumValues(s) ?? []).map((v) => `\`${v}\``).join(' \\| ');
    case 'array':
      return def.element ? `${typeName(def.element)}[]` : 'array';
    case 'record':
      return def.valueType ? `map of ${typeName(def.valueType)}` : 'map';
    case 'object':
      return 'object';
    case 'union':
      return (def.options ?? []).map((o) => typeName(o)).join(' or ');
    default:
      return def.type;
  }
}
