/**
 * EtcdMember: one member of one etcd cluster, running on this machine with its data on the
 * member's volume. Applying it publishes the member's addresses, decides how it comes up
 * (join.ts), writes its unit and starts it through the machine's service manager, and waits
 * until it serves with a leader. What is recorded (`/var/lib/hoist/nodeup/etcd/<cluster>.json`)
 * is what was applied; a member whose service is not running (a machine started again) differs,
 * and is brought up again the same way.
 *
 * Where the installed etcd is a stand-in (a machine of the local cloud on a host without etcd),
 * there is no cluster to form: the stand-in is started with the same flags and serves health.
 */

import { access, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HoistError } from '../../src/errors.js';
import type { LiveObject, ResolvedFields, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import { openStore } from '../../state-store/open.js';
import { storeProxyOption } from '../http-proxy.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { NodeContext } from '../context.js';
import { STATE_DIR, hostPath, tasksOf } from '../context.js';
import { readText, writeAtomic } from '../tasks/fs.js';
import { unitPath } from '../tasks/service.js';
import { fieldsOf } from '../tasks/kind.js';
import type { EtcdCredentials } from './client.js';
import { memberList, memberStatus, withClient } from './client.js';
import { planJoin } from './join.js';
import { leftoverEtcdPids, stopLeftovers } from './leftovers.js';
import { publishMember, readBootstrap, readMembers, recordBootstrap } from './registry.js';
import { restoreIfRequested } from './restore-request.js';
import { claimOnThisCloud } from './volume-claim.js';
import type { EtcdFiles } from './unit.js';
import { etcdUnit, etcdUnitName } from './unit.js';

export interface EtcdMemberFields {
  readonly cluster: string;
  readonly etcdCluster: string;
  readonly member: string;
  readonly instanceId: string;
  /** Every member of the spec, in order. */
  readonly members: readonly string[];
  readonly stateStore: string;
  readonly version: string;
  readonly address: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** Where the cloud attaches the member's volume; the data dir is below it. */
  readonly volumeDir: string;
  readonly dataDir: string;
  readonly binary: string;
  readonly files: EtcdFiles;
  /** The client certificate nodeup itself uses (member add, update, status). */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A hash of the certificates' fields: new ones restart the member. */
  readonly restartOn: string;
  readonly running: boolean;
}

export const etcdMemberTask = taskConstructor<EtcdMemberFields>('EtcdMember');

const record = (name: string) => `${STATE_DIR}/etcd/${name}.json`;
const START_TIMEOUT_MS = 4 * 60_000;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function isStandIn(path: string): Promise<boolean> {
  const head = await readFile(path).then((b) => b.subarray(0, 32).toString('utf8'), () => '');
  return head.startsWith('#!/usr/bin/env node');
}

async function credentials(ctx: NodeContext, d: EtcdMemberFields): Promise<EtcdCredentials> {
  const read = (p: string) => readFile(hostPath(ctx.root, p), 'utf8');
  const [ca, certificate, key] = await Promise.all([read(d.files.clientCa), read(d.clientCert), read(d.clientKey)]);
  return { ca, certificate, key };
}

async function converge(ctx: NodeContext, name: string, desired: ResolvedFields): Promise<LiveObject> {
  const d = fieldsOf<EtcdMemberFields>(desired);
  const say = (code: string, message: string, level: 'info' | 'warn' = 'info') => ctx.events({ level, code, message: `etcd ${d.etcdCluster}: ${message}`, data: { etcdCluster: d.etcdCluster, member: d.member } });
  const peerUrl = `https://${d.address}:${d.peerPort}`;
  const clientUrl = `https://${d.address}:${d.clientPort}`;
  const unit = etcdUnitName(d.etcdCluster);
  const volume = hostPath(ctx.root, d.volumeDir);
  // On AWS and GCE the member's volume is claimed and mounted here (volume-claim.ts); never under --root.
  const claimed = ctx.rooted ? undefined : await claimOnThisCloud({ want: { cluster: d.cluster, etcdCluster: d.etcdCluster, member: d.member }, dir: d.volumeDir, env: process.env, events: ctx.events });
  if (claimed === undefined && !(await exists(volume))) {
    say('etcd.no-volume', `no volume is attached at ${d.volumeDir}: the member's data lives on the machine's own disk`, 'warn');
    await mkdir(dirname(volume), { recursive: true });
    await mkdir(volume, { recursive: true, mode: 0o700 });
  }
  const launch = { etcdCluster: d.etcdCluster, cluster: d.cluster, member: d.member, binary: d.binary, dataDir: d.dataDir, peerUrl, clientUrl, files: d.files };

  // A recorded service manager (nodeup --root) runs nothing, and a stand-in forms no cluster.
  const standIn = ctx.services.kind === 'recorded' || (await isStandIn(hostPath(ctx.root, d.binary)));
  if (standIn) {
    const text = etcdUnit({ ...launch, initialCluster: `${d.member}=${peerUrl}`, initialState: 'new' });
    await writeAtomic(hostPath(ctx.root, unitPath(unit)), text, '0644');
    await ctx.services.restart(unit, text);
    if (ctx.services.kind !== 'recorded') say('etcd.stand-in', `member ${d.member} runs the stand-in etcd (no etcd is installed on this host)`);
    return done(ctx, name, desired);
  }

  await stopLeftovers(await leftoverEtcdPids(ctx.root, d.member, d.dataDir));
  const store: ObjectStore = await openStore(d.stateStore, { env: process.env, events: ctx.events, source: 'nodeup.yaml stateStore', ...storeProxyOption() });
  try {
    const creds = await credentials(ctx, d);
    await restoreIfRequested({ store, cluster: d.cluster, etcdCluster: d.etcdCluster, member: d.member, instanceId: d.instanceId, peerUrl, clientUrl, volume, dataDir: hostPath(ctx.root, d.dataDir), etcdctl: hostPath(ctx.root, `${d.binary}ctl`), events: ctx.events });
    const hasData = await exists(join(hostPath(ctx.root, d.dataDir), 'member', 'wal'));
    await publishMember(store, d.cluster, { etcdCluster: d.etcdCluster, member: d.member, instanceId: d.instanceId, peerUrl, clientUrl, updatedAt: new Date().toISOString() });
    const plan = await planJoin({
      etcdCluster: d.etcdCluster,
      member: d.member,
      peerUrl,
      specMembers: d.members,
      hasData,
      creds,
      published: () => readMembers(store, d.cluster, d.etcdCluster),
      bootstrap: () => readBootstrap(store, d.cluster, d.etcdCluster),
      events: ctx.events,
      timeoutMs: START_TIMEOUT_MS,
    });
    const text = etcdUnit({ ...launch, initialCluster: plan.initialCluster, initialState: plan.initialState });
    await writeAtomic(hostPath(ctx.root, unitPath(unit)), text, '0644');
    await ctx.services.reload();
    await ctx.services.enable(unit);
    await ctx.services.restart(unit, text);
    say('etcd.starting', `member ${d.member} starts (${hasData ? 'with the data on its volume' : `initial cluster state ${plan.initialState}`}) at ${clientUrl}`);
    await waitServing(d, clientUrl, creds);
    if (plan.updateAfterStart) await updatePeerUrl(d, clientUrl, peerUrl, creds);
    if (plan.bootstraps) await recordBootstrap(store, d.cluster, { etcdCluster: d.etcdCluster, member: d.member, at: new Date().toISOString() });
    say('etcd.serving', `member ${d.member} serves at ${clientUrl}`);
  } finally {
    store.close?.();
  }
  return done(ctx, name, desired);
}

/** Until the member answers and knows a leader. */
async function waitServing(d: EtcdMemberFields, url: string, creds: EtcdCredentials): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const s = await memberStatus(url, creds);
    if (s.error === undefined && s.leader !== undefined && s.leader !== '0') return;
    last = s.error ?? 'no leader yet';
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new HoistError('ABORTED', `etcd ${d.etcdCluster}: member ${d.member} did not serve at ${url} within ${START_TIMEOUT_MS / 1000} s (${last})`, {
    hint: `see the member's log, /var/log/etcd-${d.etcdCluster}.log on the machine`,
  });
}

async function updatePeerUrl(d: EtcdMemberFields, url: string, peerUrl: string, creds: EtcdCredentials): Promise<void> {
  const members = await memberList([url], creds);
  const me = members.find((m) => m.name === d.member);
  if (me === undefined || (me.peerURLs.length === 1 && me.peerURLs[0] === peerUrl)) return;
  await withClient([url], creds, (c) => c.cluster.memberUpdate({ ID: me.ID, peerURLs: [peerUrl] }));
}

async function done(ctx: NodeContext, name: string, desired: ResolvedFields): Promise<LiveObject> {
  await writeAtomic(hostPath(ctx.root, record(name)), `${JSON.stringify(desired)}\n`, '0644');
  return { id: name, name, fields: desired, outputs: { id: name } };
}

export const EtcdMemberKind: TaskKind<NodeContext> = {
  kind: 'EtcdMember',
  uses: ['File', 'Archive', 'Certificate', 'Directory'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'EtcdMember').map(async (t): Promise<LiveObject | undefined> => {
        const text = await readText(hostPath(ctx.root, record(t.name)));
        if (text === undefined) return undefined;
        const fields = JSON.parse(text) as ResolvedFields;
        const state = await ctx.services.state(etcdUnitName(String(fields.etcdCluster)));
        return { id: t.name, name: t.name, fields: { ...fields, running: state.running }, outputs: { id: t.name } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: () => ({}),
  create(ctx, task, desired) {
    return converge(ctx, task.name, desired);
  },
  update(ctx, task, _live, desired) {
    return converge(ctx, task.name, desired);
  },
  async delete() {
    // Never: a member leaves its cluster through the cluster (member remove), not by a node's plan.
  },
};
