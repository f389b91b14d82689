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
 * certificate) within the check's deadline, keeps the flags it has, so that a store being
 * rewritten or members still starting never take away the members the API server knows. A
 * member that takes the connection and never answers costs a pass that deadline, not the pass.
 */

import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { hostPath } from '../context.js';
import { writeAtomic } from '../tasks/fs.js';
import type { EtcdCredentials } from './client.js';
import { etcdClient } from './client.js';
import { publishedClientUrls, remoteEtcdFlags } from './remote.js';
import type { EtcdServerFlags } from './remote.js';

export const FOLLOW_SERVICE_CONF = '/etc/hoist/apiserver-etcd-servers.json';
export const FOLLOW_SERVICE_UNIT = 'kube-apiserver-etcd-servers.service';
/** How often the published members are read: a few small reads of the state store. */
export const FOLLOW_INTERVAL_MS = 30_000;
/** How long one pass waits for the new members to answer, all of them at once: well inside the interval. */
export const FOLLOW_CHECK_MS = 10_000;

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
  /**
   * Whether an etcd client URL answers; by default etcd's status over TLS with the configured
   * pair. `signal` aborts when the check's deadline passes: a URL that has not answered by then
   * does not answer, and the check should let go of it.
   */
  readonly answers?: (url: string, signal: AbortSignal) => Promise<boolean>;
  /** The check's deadline; FOLLOW_CHECK_MS by default. */
  readonly checkMs?: number;
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

/**
 * The manifest with its etcd flags set to `flags`, everything else as it was; undefined when
 * it has no command to set them in (not a manifest nodeup wrote).
 */
export function withEtcdFlags(text: string, flags: EtcdServerFlags): string | undefined {
  const doc = parse(text) as Manifest | null;
  const container = doc?.spec?.containers?.[0];
  if (doc === null || container?.command === undefined) return undefined;
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
  // Nothing to rewrite: said as kept, not as a rewrite that changes nothing every pass.
  if (withEtcdFlags(text, current) === undefined) return { action: 'kept', flags: current, reason: `${config.manifest} has no kube-apiserver command to set --etcd-servers in` };
  const published = new Map<string, string[]>();
  for (const name of config.etcdClusters) {
    published.set(name, await publishedClientUrls(input.store, config.cluster, name));
  }
  const empty = config.etcdClusters.filter((n) => (published.get(n) ?? []).length === 0);
  if (empty.length > 0) return { action: 'kept', flags: current, reason: `etcd ${empty.join(', ')} of ${config.cluster} has no published member` };
  const wanted = remoteEtcdFlags(config.etcdClusters, published);
  if (same(current, wanted)) return { action: 'unchanged', flags: current };

  const answers = input.answers ?? statusAnswers(await credentials(config, root));
  const checkMs = input.checkMs ?? FOLLOW_CHECK_MS;
  const signal = AbortSignal.timeout(checkMs);
  const checks = await Promise.all(config.etcdClusters.map((name) => someAnswers(published.get(name) ?? [], answers, signal)));
  const silent = config.etcdClusters.findIndex((_, i) => checks[i] !== 'up');
  if (silent >= 0) {
    const name = config.etcdClusters[silent] ?? '';
    const urls = (published.get(name) ?? []).join(', ');
    const why = checks[silent] === 'late' ? `answered within ${checkMs / 1000} s` : 'answers';
    return { action: 'kept', flags: current, reason: `none of the published members of etcd ${name} ${why} (${urls})` };
  }
  // The checks above take seconds, in which nodeup may have written a new manifest (an upgrade,
  // another flag): writing the one read at the start would undo that. The next pass starts from it.
  if ((await readFile(path, 'utf8')) !== text) return { action: 'kept', flags: current, reason: 'the manifest was rewritten during the pass' };
  const rewritten = withEtcdFlags(text, wanted);
  if (rewritten === undefined) return { action: 'kept', flags: current, reason: `${config.manifest} has no kube-apiserver command to set --etcd-servers in` };
  await writeAtomic(path, rewritten, '0644');
  input.events({
    level: 'info',
    code: 'etcd.follow.rewritten',
    message: `the API server's etcd members changed: --etcd-servers=${wanted.servers ?? ''} (was ${current.servers ?? 'unset'}); the kubelet restarts it`,
    data: { from: current, to: wanted },
  });
  return { action: 'rewritten', from: current, flags: wanted };
}

/**
 * `up` as soon as one of `urls` answers, `down` when none does, `late` when the deadline passes
 * first: the members are asked at once, so one that never answers holds up no other.
 */
async function someAnswers(urls: readonly string[], answers: NonNullable<FollowInput['answers']>, signal: AbortSignal): Promise<'up' | 'down' | 'late'> {
  const late = new Promise<'late'>((resolve) => {
    if (signal.aborted) resolve('late');
    signal.addEventListener('abort', () => resolve('late'), { once: true });
  });
  const up = Promise.any(urls.map(async (url) => {
    if (!(await answers(url, signal))) throw new Error(`${url} does not answer`);
    return 'up' as const;
  })).catch(() => 'down' as const);
  return Promise.race([up, late]);
}

/** etcd's status over TLS; the client is closed when the deadline passes, not left dialling. */
function statusAnswers(creds: EtcdCredentials): NonNullable<FollowInput['answers']> {
  return async (url, signal) => {
    const client = await etcdClient([url], creds);
    let open = true;
    const close = () => {
      if (open) client.close();
      open = false;
    };
    signal.addEventListener('abort', close, { once: true });
    try {
      await client.maintenance.status();
      return true;
    } catch {
      return false;
    } finally {
      signal.removeEventListener('abort', close);
      close();
    }
  };
}
