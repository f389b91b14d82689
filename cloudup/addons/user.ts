/**
 * User addons (kops's spec.addons): each `manifest` URL (file://, s3://, https://) is read when
 * the cluster is planned and checked before anything is written: every document must parse and
 * be an object with apiVersion, kind and metadata.name. A broken one is refused naming the field,
 * the file, the document and the reason.
 */

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { CompletedSpec } from '../../src/api/index.js';
import { isSchedulerConfiguration } from '../../src/api/scheduler-config.js';
import { ValidationError } from '../../src/errors.js';
import type { FieldProblem } from '../../src/errors.js';
import { openStore } from '../../state-store/open.js';
import { labelled, manifestOf, sha256 } from './render.js';
import type { RenderedAddon } from './render.js';
import type { KubeObject } from './types.js';

export type ReadManifest = (url: string) => Promise<string>;

export interface UserAddonOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Replaces how a URL is read (tests); default: file://, s3:// and https://. */
  readonly read?: ReadManifest;
}

/** `taken`: the builtin addons' names, which a user addon's may not reuse. */
export async function userAddons(completed: CompletedSpec, taken: ReadonlySet<string>, options: UserAddonOptions): Promise<RenderedAddon[]> {
  const specs = completed.cluster.spec.addons ?? [];
  const read = options.read ?? ((url: string) => readManifest(url, options.env));
  const problems: FieldProblem[] = [];
  const names = new Set(taken);
  const out: RenderedAddon[] = [];
  for (const [i, { manifest: url }] of specs.entries()) {
    const path = `spec.addons[${i}].manifest`;
    let text: string;
    try {
      text = await read(url);
    } catch (e) {
      problems.push({ path, value: url, message: `cannot be read: ${e instanceof Error ? e.message : String(e)}`, fix: 'name a file://, s3:// or https:// URL that exists' });
      continue;
    }
    const parsed = parseManifest(text);
    if (typeof parsed === 'string') {
      problems.push({ path, value: url, message: parsed, fix: 'fix the file: every document needs apiVersion, kind and metadata.name' });
      continue;
    }
    const name = addonName(url);
    if (names.has(name)) {
      problems.push({ path, value: url, message: `is named ${name} after its file, which another addon has`, fix: 'rename the file' });
      continue;
    }
    names.add(name);
    const version = sha256(text).slice(0, 12);
    const body = manifestOf(labelled(parsed, name, version));
    out.push({ entry: { name, version, sha256: sha256(body), source: 'user', from: url, health: [] }, manifest: body });
  }
  // The objects a spec file carried next to its Cluster (kops's additional objects): one addon.
  // Component configurations are no API objects: a KubeSchedulerConfiguration is the scheduler's
  // file (nodeup merges it), others (no metadata) are kept, not applied.
  const extra = (completed.cluster.spec.additionalObjects ?? []).filter((o) => o.metadata !== undefined && !isSchedulerConfiguration(o)) as unknown as KubeObject[];
  if (extra.length > 0 && names.has(ADDITIONAL_OBJECTS)) {
    problems.push({ path: 'spec.addons', message: `an addon is named ${ADDITIONAL_OBJECTS}, the name of spec.additionalObjects' addon`, fix: 'rename its file' });
  }
  if (problems.length > 0) throw new ValidationError('the cluster spec', problems);
  if (extra.length > 0) {
    const version = sha256(manifestOf(extra)).slice(0, 12);
    const body = manifestOf(labelled(extra, ADDITIONAL_OBJECTS, version));
    out.push({ entry: { name: ADDITIONAL_OBJECTS, version, sha256: sha256(body), source: 'user', from: 'spec.additionalObjects', health: [] }, manifest: body });
  }
  return out;
}

/** The addon of spec.additionalObjects. */
export const ADDITIONAL_OBJECTS = 'additional-objects';

/** The objects of a multi-document YAML text, or why it is refused (document numbers from 1). */
export function parseManifest(text: string): KubeObject[] | string {
  const objects: KubeObject[] = [];
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return 'is not YAML documents';
  for (const [i, doc] of docs.entries()) {
    const at = `document ${i + 1}`;
    const error = doc.errors[0];
    if (error !== undefined) return `${at}: is not valid YAML: ${error.message.split('\n')[0] ?? ''}`;
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) return `${at}: is not a Kubernetes object (a mapping with apiVersion, kind and metadata)`;
    const o = value as Record<string, unknown>;
    const meta = o['metadata'];
    const missing = [
      typeof o['apiVersion'] === 'string' && o['apiVersion'] !== '' ? undefined : 'apiVersion',
      typeof o['kind'] === 'string' && o['kind'] !== '' ? undefined : 'kind',
      typeof meta === 'object' && meta !== null && typeof (meta as Record<string, unknown>)['name'] === 'string' && (meta as Record<string, unknown>)['name'] !== '' ? undefined : 'metadata.name',
    ].filter((f) => f !== undefined);
    if (missing.length > 0) return `${at}${typeof o['kind'] === 'string' ? ` (${o['kind']})` : ''}: has no ${missing.join(', ')}`;
    objects.push(o as unknown as KubeObject);
  }
  if (objects.length === 0) return 'has no objects';
  return objects;
}

/** The addon's name: its file's name without extension, as a DNS label. */
export function addonName(url: string): string {
  const file = basename(url.replace(/[?#].*$/, '')).replace(/\.(ya?ml|json)$/i, '');
  const name = file.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return name === '' ? 'user-addon' : name;
}

async function readManifest(url: string, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') return readFile(fileURLToPath(url), 'utf8');
  if (scheme === 's3') {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
    if (!m) throw new Error('an s3:// URL names a bucket and a key: s3://bucket/path/addon.yaml');
    const store = await openStore(`s3://${m[1]!}`, { env, source: 'spec.addons' });
    try {
      const object = await store.get(m[2]!);
      if (object === undefined) throw new Error('no such object');
      return Buffer.from(object.body).toString('utf8');
    } finally {
      store.close?.();
    }
  }
  if (scheme === 'https') {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    return response.text();
  }
  throw new Error('only file://, s3:// and https:// URLs are read');
}
