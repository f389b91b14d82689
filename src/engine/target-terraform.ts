/**
 * The terraform target: tasks become a Terraform module in JSON syntax instead of cloud calls.
 * Each kind has a renderer (one per kind and cloud) that turns a task into one block; this file
 * is what every cloud shares: block addresses from task names, Refs as `${type.name.attr}`
 * expressions, hoist dependencies that are not references as `depends_on`, large values as
 * files under `data/`, and a serialisation with sorted keys so that the same tasks always give
 * the same bytes (golden tests hold it).
 *
 * Terraform reads every JSON string as a template, so literal text is escaped (`$${`, `%%{`)
 * and only the expressions made here are interpolated.
 */

import { HoistError } from '../errors.js';
import { topologicalOrder } from './graph.js';
import type { Ref, Task, TaskId, Value } from './task.js';
import { idOf, isRef } from './task.js';

export type TfJson = string | number | boolean | null | readonly TfJson[] | { readonly [key: string]: TfJson };
export type TfObject = { readonly [key: string]: TfJson };

/** What a task becomes: a managed resource, or a data source for an object hoist only uses. */
export interface TfBlock {
  readonly mode: 'resource' | 'data';
  /** e.g. `aws_vpc`. */
  readonly type: string;
  readonly body: TfObject;
  /** The block's attribute for each output other tasks may refer to (`id` → `arn`). */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * Blocks that complete the object (named like it), e.g. tags set after it is made (resources,
   * the default), or an object it is read from (a data source).
   */
  readonly companions?: readonly { readonly mode?: 'resource' | 'data'; readonly type: string; readonly body: TfObject }[];
}

export interface TfRenderer<Env> {
  readonly kind: string;
  render(task: Task, ctx: TfRenderContext, env: Env): TfBlock;
}

export interface TfRenderContext {
  /** A desired value as Terraform JSON: literals escaped, Refs as interpolations. */
  value(v: Value): TfJson;
  /** The bare expression a Ref points at (`aws_vpc.x.id`), for use inside larger expressions. */
  expression(r: Ref): string;
  /** Text kept in `data/<name>`, read by `file()` (or `filebase64()`, or gzip'd by `base64gzip()`). Returns the expression. */
  file(name: string, text: string, encoding?: 'text' | 'base64' | 'base64gzip'): string;
  /** A JSON document kept in `data/<name>`; Refs inside it are filled in by `templatefile()`. */
  document(name: string, doc: Value): string;
}

/** A Terraform identifier from a task name: `demo.example.com` → `demo-example-com`. */
export function tfName(name: string): string {
  const safe = name.replace(/\//g, '--').replace(/[^A-Za-z0-9_-]/g, '-');
  // Identifiers may not start with a digit (routes are named by their CIDR).
  return /^[A-Za-z_]/.test(safe) ? safe : `_${safe}`;
}

/** Literal text inside a Terraform template: `${` and `%{` would start an interpolation. */
export function escapeTemplate(text: string): string {
  // A function replacement: in a replacement string, `$$` would itself mean one `$`.
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/** `data/<name>` with only characters every file system takes. */
export function dataFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A Terraform module being assembled; `files()` gives every file to write, keyed by relative path. */
export class TerraformModule {
  private readonly sections = new Map<string, Map<string, Map<string, TfJson>>>();
  private readonly top = new Map<string, TfJson>();
  private readonly dataFiles = new Map<string, string>();
  private readonly addresses = new Map<TaskId, { readonly address: string; readonly attributes: Readonly<Record<string, string>> }>();

  /** A top-level setting: `terraform`, `provider`, `variable`, `output`, `locals`. */
  set(key: string, value: TfJson): void {
    this.top.set(key, value);
  }

  /** Adds `resource.<type>.<name>` or `data.<type>.<name>`; a second block of that address is an error. */
  add(mode: 'resource' | 'data', type: string, name: string, body: TfObject): string {
    const byType = this.sections.get(mode) ?? new Map<string, Map<string, TfJson>>();
    this.sections.set(mode, byType);
    const blocks = byType.get(type) ?? new Map<string, TfJson>();
    byType.set(type, blocks);
    const address = `${mode === 'data' ? 'data.' : ''}${type}.${name}`;
    if (blocks.has(name)) throw new HoistError('INTERNAL', `two Terraform blocks have the address ${address}`, { hint: 'task names must stay distinct once made Terraform identifiers' });
    blocks.set(name, body);
    return address;
  }

  /** Keeps `text` as `data/<name>`; returns the path relative to the module. */
  addFile(name: string, text: string): string {
    const path = `data/${dataFileName(name)}`;
    const known = this.dataFiles.get(path);
    if (known !== undefined && known !== text) throw new HoistError('INTERNAL', `two different values would be written to ${path}`);
    this.dataFiles.set(path, text);
    return path;
  }

  /** How many `resource` (or `data`) blocks the module has. */
  count(mode: 'resource' | 'data'): number {
    return [...(this.sections.get(mode)?.values() ?? [])].reduce((n, blocks) => n + blocks.size, 0);
  }

  /** The address and attributes of a rendered task, for the Refs that point at it. */
  addressOf(id: TaskId): { readonly address: string; readonly attributes: Readonly<Record<string, string>> } | undefined {
    return this.addresses.get(id);
  }

  /**
   * Renders every task, dependencies first (so that each Ref's target is known). A kind with no
   * renderer is an error that names it: nothing is ever left out silently.
   */
  renderTasks<Env>(tasks: readonly Task[], renderers: ReadonlyMap<string, TfRenderer<Env>>, env: Env, extraDependsOn: (task: Task) => readonly string[] = () => []): void {
    const missing = [...new Set(tasks.filter((t) => !renderers.has(t.kind)).map((t) => t.kind))].sort();
    if (missing.length > 0) {
      throw new HoistError('UNSUPPORTED', `the terraform target has no renderer for ${missing.map((k) => `tasks of kind ${k}`).join(', ')}`, {
        hint: 'use --target direct for this cluster, or add a renderer for the kind',
      });
    }
    for (const task of topologicalOrder(tasks.map((t) => ({ ...t, id: idOf(t) })))) {
      const block = renderers.get(task.kind)!.render(task, this.context(task), env);
      const referenced = new Set(refsIn(task.desired));
      // Hoist orders by dependsOn; Terraform by references, so the rest must be said.
      const ordering = task.dependsOn.filter((d) => !referenced.has(d)).map((d) => this.resolveAddress(task, d));
      const dependsOn = [...new Set([...ordering, ...extraDependsOn(task)])].sort();
      const body = block.mode === 'resource' && dependsOn.length > 0 ? { ...block.body, depends_on: dependsOn } : block.body;
      const address = this.add(block.mode, block.type, tfName(task.name), body);
      for (const c of block.companions ?? []) this.add(c.mode ?? 'resource', c.type, tfName(task.name), c.body);
      this.addresses.set(task.id, { address, attributes: block.attributes });
    }
  }

  /** `kubernetes.tf.json` and the data files, with sorted keys: the same module, the same bytes. */
  files(mainFile = 'kubernetes.tf.json'): Map<string, string> {
    const root: Record<string, TfJson> = Object.fromEntries(this.top);
    for (const [mode, byType] of this.sections) {
      root[mode] = Object.fromEntries([...byType].map(([type, blocks]) => [type, Object.fromEntries(blocks)]));
    }
    const out = new Map<string, string>([[mainFile, `${JSON.stringify(sortKeys(root), null, 2)}\n`]]);
    for (const path of [...this.dataFiles.keys()].sort()) out.set(path, this.dataFiles.get(path)!);
    return out;
  }

  private resolveAddress(from: Task, id: TaskId): string {
    const target = this.addresses.get(id);
    if (!target) throw new HoistError('INTERNAL', `task ${idOf(from)} depends on ${id}, which is not rendered`);
    return target.address;
  }

  private context(task: Task): TfRenderContext {
    const expression = (r: Ref): string => {
      const target = this.addresses.get(r.$ref);
      const attribute = target?.attributes[r.output];
      if (!target || attribute === undefined) throw new HoistError('INTERNAL', `task ${idOf(task)} refers to ${r.$ref} output ${r.output}, which has no Terraform attribute`);
      return `${target.address}.${attribute}`;
    };
    const value = (v: Value): TfJson => {
      if (isRef(v)) return `\${${expression(v)}}`;
      if (typeof v === 'string') return escapeTemplate(v);
      if (Array.isArray(v)) return (v as readonly Value[]).map(value);
      if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [escapeTemplate(k), value(x)]));
      return v as TfJson;
    };
    return {
      value,
      expression,
      file: (name, text, encoding = 'text') => {
        const read = `${encoding === 'base64' ? 'filebase64' : 'file'}("\${path.module}/${this.addFile(name, text)}")`;
        return encoding === 'base64gzip' ? `\${base64gzip(${read})}` : `\${${read}}`;
      },
      document: (name, doc) => {
        const refs: Ref[] = [];
        const placeholder = (v: Value): Value => {
          if (isRef(v)) return `\u0000${refs.push(v) - 1}\u0000`;
          if (Array.isArray(v)) return (v as readonly Value[]).map(placeholder);
          if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, placeholder(x)]));
          return v;
        };
        const json = `${JSON.stringify(placeholder(doc), null, 2)}\n`;
        if (refs.length === 0) return `\${file("\${path.module}/${this.addFile(name, json)}")}`;
        // Each Ref becomes a template variable, JSON-encoded where the document had it.
        const template = escapeTemplate(json).replace(/"\\u0000(\d+)\\u0000"/g, (_m, i: string) => `\${jsonencode(ref_${i})}`);
        const vars = refs.map((r, i) => `ref_${i} = ${expression(r)}`).join(', ');
        return `\${templatefile("\${path.module}/${this.addFile(name, template)}", { ${vars} })}`;
      },
    };
  }
}

function refsIn(v: unknown): TaskId[] {
  if (isRef(v)) return [v.$ref];
  if (Array.isArray(v)) return v.flatMap(refsIn);
  if (typeof v === 'object' && v !== null) return Object.values(v).flatMap(refsIn);
  return [];
}

/** Objects with their keys in order; arrays keep theirs (Terraform lists are ordered). */
export function sortKeys(v: TfJson): TfJson {
  if (Array.isArray(v)) return (v as readonly TfJson[]).map(sortKeys);
  if (typeof v === 'object' && v !== null) {
    const o = v as { readonly [key: string]: TfJson };
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k]!)]));
  }
  return v;
}
