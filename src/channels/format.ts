/**
 * The channel file: which Kubernetes releases hoist supports, the patch of each minor it
 * recommends, and the etcd, containerd and addon versions (with image digests where known) that
 * go with them. A versioned YAML document (`kind: Channel`), checked with zod; every problem
 * names its field path and line, and the checks the schema cannot express (a row's patch is of
 * its minor, minors are unique and in order) are made after it.
 */

import { LineCounter, parseDocument } from 'yaml';
import * as z from 'zod';
import { HoistError, ValidationError } from '../errors.js';
import type { FieldProblem } from '../errors.js';
import { API_VERSION } from '../api/api-version.js';
import { issueProblems } from '../api/issues.js';
import { formatPath } from '../api/paths.js';
import type { Path } from '../api/paths.js';
import { locate, writtenAt } from '../api/yaml-locate.js';
import { yamlProblems } from '../api/yaml-problems.js';

/** A channel is small; a larger file is not one. */
const MAX_CHANNEL_BYTES = 256 * 1024;

const release = (example: string) => z.string().regex(/^v?\d+\.\d+\.\d+$/, `a release such as ${example}`).meta({ examples: [example] });
const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex digits>').meta({ examples: ['sha256:<64 hex digits>'] });

export const ChannelKubernetesSchema = z.strictObject({
  minor: z.string().regex(/^\d+\.\d+$/, 'a minor such as 1.34').meta({ description: 'The minor, quoted: "1.34".', examples: ['"1.34"'] }),
  recommended: release('1.34.0').describe('The patch hoist writes for this minor.'),
  etcd: release('3.6.4').describe('The etcd release of this minor.'),
  containerd: release('2.1.4').describe('The containerd release of this minor.'),
  images: z.record(z.string(), digest).optional().describe('Digests of the recommended patch\'s images, by repository (kube-apiserver, etcd, ...).'),
});

export const ChannelAddonSchema = z.strictObject({
  name: z.string().meta({ examples: ['cilium'] }),
  version: release('1.16.6'),
  images: z.record(z.string(), digest).optional(),
});

export const ChannelSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Channel'),
  metadata: z.strictObject({ name: z.string().min(1).meta({ examples: ['stable'] }) }),
  spec: z.strictObject({
    kubernetesVersions: z.array(ChannelKubernetesSchema).min(1),
    addons: z.array(ChannelAddonSchema).optional(),
  }),
});

type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
export type Channel = DeepReadonly<z.infer<typeof ChannelSchema>>;
export type ChannelKubernetes = Channel['spec']['kubernetesVersions'][number];
export type ChannelAddon = NonNullable<Channel['spec']['addons']>[number];

/** Reads a channel file; `source` names it in problems (a path or URL). */
export function parseChannel(text: string, source: string): Channel {
  if (Buffer.byteLength(text, 'utf8') > MAX_CHANNEL_BYTES) {
    throw new ValidationError(source, [{ path: source, message: `is larger than ${MAX_CHANNEL_BYTES} bytes, which no channel is`, fix: 'check that it is a channel file' }], 'INVALID_YAML');
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const yaml = yamlProblems(doc.errors, source, counter);
  if (yaml.length > 0) throw new ValidationError(source, yaml, 'INVALID_YAML');
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ValidationError(source, [{ path: source, message: `could not be read (${e instanceof Error ? e.message : String(e)})`, fix: 'write the values out instead of using aliases' }], 'INVALID_YAML');
  }
  const at = (path: Path): { line?: number; column?: number } => locate(doc, counter, path) ?? {};
  const problem = (path: Path, p: Omit<FieldProblem, 'path'>): FieldProblem => ({ ...p, path: formatPath(path) || source, ...at(path) });
  if (value === null || value === undefined) {
    throw new ValidationError(source, [{ path: source, message: 'is empty', fix: `write a channel, starting with "apiVersion: ${API_VERSION}" and "kind: Channel" (see docs/upgrades.md)` }]);
  }
  const parsed = ChannelSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((i) => issueProblems(i, ChannelSchema, value, (p) => writtenAt(doc, p))).map((l) => problem(l.at, l.problem));
    throw new ValidationError(`channel ${source}`, problems);
  }
  const channel = parsed.data as Channel;
  const problems = consistencyProblems(channel).map((l) => problem(l.at, l.problem));
  if (problems.length > 0) throw new ValidationError(`channel ${source}`, problems);
  return channel;
}

function consistencyProblems(channel: Channel): { at: Path; problem: Omit<FieldProblem, 'path'> }[] {
  const out: { at: Path; problem: Omit<FieldProblem, 'path'> }[] = [];
  const rows = channel.spec.kubernetesVersions;
  rows.forEach((row, i) => {
    const at: Path = ['spec', 'kubernetesVersions', i];
    if (minorOf(row.recommended) !== row.minor) {
      out.push({ at: [...at, 'recommended'], problem: { value: row.recommended, message: `is not a release of minor ${row.minor}`, fix: `use a ${row.minor}.x release, or change minor` } });
    }
    const prev = rows[i - 1];
    if (prev && compareMinor(prev.minor, row.minor) >= 0) {
      out.push({ at: [...at, 'minor'], problem: { value: row.minor, message: `comes after ${prev.minor}: minors must be listed once each, oldest first`, fix: 'sort the rows by minor and remove the repeated one' } });
    }
  });
  const names = new Set<string>();
  (channel.spec.addons ?? []).forEach((a, i) => {
    if (names.has(a.name)) out.push({ at: ['spec', 'addons', i, 'name'], problem: { value: a.name, message: 'is listed twice', fix: 'keep one row per addon' } });
    names.add(a.name);
  });
  return out;
}

/** `1.34` of `1.34.2` or `v1.34.2`. */
export function minorOf(version: string): string {
  return version.replace(/^v/, '').split('.').slice(0, 2).join('.');
}

function compareMinor(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

/** A bundled channel that does not parse is hoist's own bug, not the user's. */
export function parseBundledChannel(text: string, name: string): Channel {
  try {
    return parseChannel(text, `${name} (bundled)`);
  } catch (e) {
    throw new HoistError('INTERNAL', `hoist's bundled channel ${name} is invalid: ${e instanceof Error ? e.message : String(e)}`, { cause: e, user: false });
  }
}
