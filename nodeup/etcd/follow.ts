/**
 * An APIServer machine's API server follows the control plane's etcd members. nodeup writes its
 * `--etcd-servers` from the client URLs the members published when the machine booted
 * (./remote.ts); a control-plane machine replaced later (a deleted instance, a group's own
 * replacement, a roll of the control plane alone) publishes a new URL under the same member, and
 * the API server would go on asking the old one. One pass of the follower service reads the
 * published URLs again and, when the set differs from the manifest's, rewrites the two flags in
 * the static pod manifest; the kubelet restarts the API server when its manifest changes.
 *
 * It never leaves the API server worse off: a cluster with no published member, or whose new
 * members none answer (etcd's status over TLS, with the API server's own etcd client
 * certificate), keeps the flags it has, so that a store being rewritten or members still
 * starting never take away the members the API server knows.
 */

import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { hostPath } from '../context.js';
import { writeAtomic } from '../tasks/fs.js';
import type { EtcdCredentials } from './client.js';
import { memberStatus } from './client.js';
import { publishedClientUrls, remoteEtcdFlags } from './remote.js';
import type { EtcdServerFlags } from './remote.js';

export const FOLLOW_SERVICE_CONF = '/etc/hoist/apiserver-etcd-servers.json';
export const FOLLOW_SERVICE_UNIT = 'kube-apiserver-etcd-servers.service';
/** How often the published members are read: a few small reads of the state store. */
export const FOLLOW_INTERVAL_MS = 30_000;

/** The follower service's configuration file; paths are the machine's. */
export interface EtcdFollowConfig {
  readonly cluster: string;
  readonly stateStore: string;
  /** The API server's static pod manifest. */
  readonly manifest: string;
  /** The etcd clusters the API server uses, as nodeup.yaml's remoteEtcd names them. */
  readonly etcdClusters: readonly string[];
  /** The CA bundle etcd's serving certificates are checked against, and the API server's etcd client pair. */
  readonly ca: string;
  readonly certificate: string;
  readonly key: string;
}

export type FollowOutcome =
  | { readonly action: 'unchanged'; readonly flags: EtcdServerFlags }
  | { readonly action: 'rewritten'; readonly from: EtcdServerFlags; readonly flags: EtcdServerFlags }
  /** The manifest keeps `flags`; `reason` says why the published set was not taken. */
  | { readonly action: 'kept'; readonly flags: EtcdServerFlags; readonly reason: string };

export interface FollowInput {
  readonly config: EtcdFollowConfig;
  readonly store: ObjectStore;
  /** `/` on a machine; the instance's root on the local cloud, or a test's folder. */
  readonly root: string;
  readonly events: EventSink;
  /** Whether an etcd client URL answers; by default etcd's status over TLS with the configured pair. */
  readonly answers?: (url: string) => Promise<boolean>;
}

const FLAG = { servers: '--etcd-servers=', overrides: '--etcd-servers-overrides=' } as const;

interface Manifest {
  spec?: { containers?: { command?: string[] }[] };
}

/** The etcd flags of a kube-apiserver manifest's command. */
export function manifestEtcdFlags(text: string): EtcdServerFlags {
  const command = (parse(text) as Manifest | null)?.spec?.containers?.[0]?.command ?? [];
  const value = (prefix: string) => command.find((a) => a.startsWith(prefix))?.slice(prefix.length);
  const servers = value(FLAG.servers);
  const overrides = value(FLAG.overrides);
  return { ...(servers === undefined ? {} : { servers }), ...(overrides === undefined ? {} : { overrides }) };
}

/** The manifest with its etcd flags set to `flags`, everything else as it was. */
export function withEtcdFlags(text: string, flags: EtcdServerFlags): string {
  const doc = parse(text) as Manifest;
  const container = doc.spec?.containers?.[0];
  if (container?.command === undefined) return text;
  const rest = container.command.filter((a) => !a.startsWith(FLAG.servers) && !a.startsWith(FLAG.overrides));
  const at = container.command.findIndex((a) => a.startsWith(FLAG.servers));
  const ours = [...(flags.servers === undefined ? [] : [`${FLAG.servers}${flags.servers}`]), ...(flags.overrides === undefined ? [] : [`${FLAG.overrides}${flags.overrides}`])];
  // Where nodeup puts them (after --enable-admission-plugins), so that its next plan sees no change.
  const index = at < 0 ? rest.length : at;
  container.command = [...rest.slice(0, index), ...ours, ...rest.slice(index)];
  return stringify(doc, { lineWidth: 0 });
}

const same = (a: EtcdServerFlags, b: EtcdServerFlags) => a.servers === b.servers && a.overrides === b.overrides;

async function credentials(config: EtcdFollowConfig, root: string): Promise<EtcdCredentials> {
  const read = (path: string) => readFile(hostPath(root, path), 'utf8');
  const [ca, certificate, key] = await Promise.all([read(config.ca), read(config.certificate), read(config.key)]);
  return { ca, certificate, key };
}

/** One pass: reads the manifest and the published members, and rewrites the flags when the set changed. */
export async function followEtcdMembers(input: FollowInput): Promise<FollowOutcome> {
  const { config, root } = input;
  const path = hostPath(root, config.manifest);
  const text = await readFile(path, 'utf8');
  const current = manifestEtcdFlags(text);
  const published = new Map<string, string[]>();
  for (const name of config.etcdClusters) {
    published.set(name, await publishedClientUrls(input.store, config.cluster, name));
  }
  const empty = config.etcdClusters.filter((n) => (published.get(n) ?? []).length === 0);
  if (empty.length > 0) return { action: 'kept', flags: current, reason: `etcd ${empty.join(', ')} of ${config.cluster} has no published member` };
  const wanted = remoteEtcdFlags(config.etcdClusters, published);
  if (same(current, wanted)) return { action: 'unchanged', flags: current };

  let answers = input.answers;
  if (answers === undefined) {
    const creds = await credentials(config, root);
    answers = async (url) => (await memberStatus(url, creds)).error === undefined;
  }
  for (const name of config.etcdClusters) {
    const urls = published.get(name) ?? [];
    const up = await Promise.all(urls.map(answers));
    if (!up.includes(true)) return { action: 'kept', flags: current, reason: `none of the published members of etcd ${name} answers (${urls.join(', ')})` };
  }
  // The checks above take seconds, in which nodeup may have written a new manifest (an upgrade,
  // another flag): writing the one read at the start would undo that. The next pass starts from it.
  if ((await readFile(path, 'utf8')) !== text) return { action: 'kept', flags: current, reason: 'the manifest was rewritten during the pass' };
  await writeAtomic(path, withEtcdFlags(text, wanted), '0644');
  input.events({
    level: 'info',
    code: 'etcd.follow.rewritten',
    message: `the API server's etcd members changed: --etcd-servers=${wanted.servers ?? ''} (was ${current.servers ?? 'unset'}); the kubelet restarts it`,
    data: { from: current, to: wanted },
  });
  return { action: 'rewritten', from: current, flags: wanted };
}
