/**
 * `hoist etcd backup`, `hoist etcd list-backups` and `hoist etcd restore`. A backup is a
 * snapshot streamed from the leader and written with its manifest; a restore checks the
 * snapshot, writes a restore request to the state store and replaces the control-plane
 * machines: each replacement's member restores the snapshot onto its volume before it starts
 * (nodeup/etcd/restore-request.ts), and the command waits until the cluster is healthy again.
 */

import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { inspectCluster } from '../../cloudup/pipeline/spec.js';
import type { BackupLocation, BackupManifest } from '../../nodeup/etcd/backup-store.js';
import { defaultBackupPrefix, listBackups, readManifest, readVerifiedSnapshot } from '../../nodeup/etcd/backup-store.js';
import { takeBackup } from '../../nodeup/etcd/backup.js';
import { readMembers } from '../../nodeup/etcd/registry.js';
import { parseDuration } from '../../nodeup/etcd/retention.js';
import { backupLocationOf, readRestored, restoreRequestKey, writeRestoreRequest } from '../../nodeup/etcd/restore-request.js';
import type { RestoreRequest } from '../../nodeup/etcd/restore-request.js';
import { etcdClusterReport, operatorCredentials } from '../../nodeup/etcd/status.js';
import type { EtcdClusterReport } from '../../nodeup/etcd/status.js';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { CompletedEtcdCluster } from '../api/defaults.js';
import { completeSpec, etcdBackupSettings } from '../api/defaults.js';
import { HoistError, NotFoundError } from '../errors.js';
import { parseOutputFormat, renderJson, renderTable } from '../output/format.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export interface EtcdClusterOption {
  readonly cluster?: string;
}

async function loadEtcd(positional: string | undefined, ctx: Context) {
  const cluster = ctx.clusterName(positional);
  const clients = await ctx.clientset();
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const spec = completeSpec(set.cluster.object, set.instanceGroups.map((v) => v.object));
  return { cluster, spec, store: await ctx.store() };
}

function chosen(all: readonly CompletedEtcdCluster[], name: string | undefined): CompletedEtcdCluster[] {
  if (name === undefined) return [...all];
  const found = all.filter((e) => e.name === name);
  if (found.length === 0) throw new HoistError('INVALID_FLAG', `--cluster ${name}: no etcd cluster of that name`, { hint: `use one of ${all.map((e) => e.name).join(', ')}` });
  return found;
}

async function locationOf(ctx: Context, cluster: string, e: CompletedEtcdCluster): Promise<BackupLocation> {
  const s = etcdBackupSettings(e);
  return backupLocationOf(await ctx.store(), s.store === undefined ? { prefix: defaultBackupPrefix(cluster, e.name) } : { store: s.store, prefix: `${cluster}/${e.name}/` }, ctx.io.env);
}

const retentionOf = (e: CompletedEtcdCluster, i: number) => {
  const s = etcdBackupSettings(e);
  const at = `spec.etcdClusters[${i}].backups.retention`;
  return { hourlyMs: parseDuration(s.retention.hourly, `${at}.hourly`), dailyMs: parseDuration(s.retention.daily, `${at}.daily`) };
};

export async function runEtcdBackup(positional: string | undefined, opts: EtcdClusterOption, ctx: Context): Promise<number> {
  const { cluster, spec, store } = await loadEtcd(positional, ctx);
  const creds = await operatorCredentials(store, cluster);
  const all = spec.cluster.spec.etcdClusters;
  for (const e of chosen(all, opts.cluster)) {
    const urls = [...(await readMembers(store, cluster, e.name)).values()].map((m) => m.clientUrl);
    const location = await locationOf(ctx, cluster, e);
    const taken = await takeBackup({ cluster, etcdCluster: e.name, urls, creds, location, retention: retentionOf(e, all.indexOf(e)), events: ctx.io.events });
    const m = taken.manifest;
    ctx.io.out(`etcd ${e.name}: backup ${m.id} (revision ${m.revision}, ${m.size} bytes, sha256 ${m.sha256.slice(0, 12)}…, from member ${m.takenFrom}) in ${(taken.ms / 1000).toFixed(2)} s${taken.pruned.length ? `; pruned ${taken.pruned.length}` : ''}\n`);
  }
  return 0;
}

export async function runListBackups(positional: string | undefined, opts: EtcdClusterOption & { readonly output?: string }, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const { cluster, spec } = await loadEtcd(positional, ctx);
  const rows: BackupManifest[] = [];
  for (const e of chosen(spec.cluster.spec.etcdClusters, opts.cluster)) rows.push(...(await listBackups(await locationOf(ctx, cluster, e))));
  if (format === 'json') ctx.io.out(renderJson({ cluster, backups: rows }));
  else if (format === 'yaml') ctx.io.out(stringify({ cluster, backups: rows }, { lineWidth: 0 }));
  else
    ctx.io.out(
      renderTable(rows, [
        { header: 'ETCD', value: (m) => m.etcdCluster },
        { header: 'ID', value: (m) => m.id },
        { header: 'TAKEN', value: (m) => m.takenAt },
        { header: 'REVISION', value: (m) => m.revision },
        { header: 'SIZE', value: (m) => m.size },
        { header: 'SHA256', value: (m) => m.sha256.slice(0, 12) },
        { header: 'VERSION', value: (m) => m.etcdVersion },
        { header: 'MEMBERS', value: (m) => m.members.map((x) => x.name).join(',') },
      ]),
    );
  return 0;
}

export interface EtcdRestoreOptions extends EtcdClusterOption {
  readonly backup: string;
  readonly yes?: boolean;
  readonly timeout?: string;
}

export async function runEtcdRestore(positional: string | undefined, opts: EtcdRestoreOptions, ctx: Context): Promise<number> {
  const { cluster, spec, store } = await loadEtcd(positional, ctx);
  const [e] = chosen(spec.cluster.spec.etcdClusters, opts.cluster ?? 'main');
  if (e === undefined) throw new HoistError('INVALID_SPEC', `cluster ${cluster} has no etcd cluster`);
  const timeoutMs = parseDuration(opts.timeout ?? '10m', '--timeout');
  const location = await locationOf(ctx, cluster, e);
  const manifest = await readManifest(location, opts.backup);
  // Refused here, before anything is written or stopped.
  await readVerifiedSnapshot(location, manifest);
  const members = e.etcdMembers.map((m) => m.name);
  const groups = new Set(e.etcdMembers.map((m) => m.instanceGroup));
  const { session } = await inspectCluster(await ctx.clientset(), cluster, { env: ctx.io.env, events: ctx.io.events, readOnly: !opts.yes });
  try {
    const cloud = await session.rolling(store);
    const machines = (await cloud.groups()).filter((g) => groups.has(g.name)).flatMap((g) => g.instances.filter((i) => i.state !== 'terminated').map((i) => ({ group: g.name, id: i.id })));
    // The other etcd clusters on those machines lose their members at once too, and come back
    // at new addresses, which no quorum is left to accept: they are carried over by a snapshot
    // taken just before, restored the same way.
    const others = spec.cluster.spec.etcdClusters.filter((x) => x !== e && x.etcdMembers.some((m) => groups.has(m.instanceGroup)));
    ctx.io.out(
      [
        `restore etcd ${e.name} of ${cluster} from backup ${manifest.id} (revision ${manifest.revision}, ${manifest.size} bytes, taken ${manifest.takenAt}, sha256 checked):`,
        `  1. ${others.length ? `take a backup now of etcd ${others.map((o) => o.name).join(', ')} (on the same machines: carried over, not rolled back), then ` : ''}write restore requests to the state store (${store.url ?? 'state store'})`,
        `  2. replace the machines of its members (${members.join(', ')}): ${machines.map((m) => `${m.id} (${m.group})`).join(', ') || 'none running'}; every member stops`,
        `  3. each replacement restores the snapshot onto its member's volume (the old data kept as data.before-restore-<backup id>) as a new cluster of ${members.join(', ')}, and starts`,
        `  4. wait until etcd ${[e, ...others].map((x) => x.name).join(', ')} ${others.length ? 'are' : 'is'} healthy with all members and report the restored revision`,
        ...(opts.yes ? [] : ['', 'Must specify --yes to restore (the cluster is down until its members are back).']),
        '',
      ].join('\n'),
    );
    if (!opts.yes) return 0;
    const creds = await operatorCredentials(store, cluster);
    const targets: Target[] = [{ e, manifest, location }];
    for (const o of others) {
      const loc = await locationOf(ctx, cluster, o);
      const urls = [...(await readMembers(store, cluster, o.name)).values()].map((m) => m.clientUrl);
      const taken = await takeBackup({ cluster, etcdCluster: o.name, urls, creds, location: loc, events: ctx.io.events }).catch((err: unknown) => {
        throw new HoistError('ABORTED', `etcd ${o.name} runs on the same machines and could not be backed up first (${err instanceof Error ? err.message : String(err)}); nothing was changed`, { hint: `restore it as well afterwards, or first: hoist etcd restore ${cluster} --cluster ${o.name} --backup <id>` });
      });
      targets.push({ e: o, manifest: taken.manifest, location: loc });
    }
    const requestedAt = new Date().toISOString();
    const requests = targets.map((t): RestoreRequest => {
      const own = etcdBackupSettings(t.e).store;
      return { requestId: randomUUID(), etcdCluster: t.e.name, backupId: t.manifest.id, sha256: t.manifest.sha256, ...(own ? { store: own } : {}), prefix: t.location.prefix, members: t.e.etcdMembers.map((m) => m.name), requestedAt };
    });
    for (const r of requests) await writeRestoreRequest(store, cluster, r);
    for (const m of machines) await cloud.terminate(m.group, m.id);
    ctx.io.err(`restore requested; ${machines.length} machines terminated, waiting for the members to restore and serve\n`);
    const started = Date.now();
    for (const [i, t] of targets.entries()) {
      const report = await waitRestored(store, cluster, t, requests[i]!, creds, started + timeoutMs, opts.timeout ?? '10m');
      const revision = report.members.map((m) => Number(m.revision ?? 0)).reduce((x, y) => Math.max(x, y), 0);
      ctx.io.out(`etcd ${t.e.name}: restored backup ${t.manifest.id} in ${((Date.now() - started) / 1000).toFixed(1)} s; healthy, leader ${report.leader ?? '?'}, revision ${revision} (the backup's ${t.manifest.revision})\n`);
    }
    // Done: a member that comes later with an empty volume joins the cluster as usual instead of restoring.
    for (const r of requests) await store.delete(restoreRequestKey(cluster, r.etcdCluster));
    return 0;
  } finally {
    await session.close();
  }
}

interface Target {
  readonly e: CompletedEtcdCluster;
  readonly manifest: BackupManifest;
  readonly location: BackupLocation;
}

/** Until every member reported the request done and the cluster is healthy with all of them. */
async function waitRestored(store: ObjectStore, cluster: string, t: Target, request: RestoreRequest, creds: EtcdCredentials, deadline: number, timeout: string): Promise<EtcdClusterReport> {
  const members = request.members;
  for (;;) {
    const done = await Promise.all(members.map(async (m) => (await readRestored(store, cluster, t.e.name, m))?.requestId === request.requestId));
    if (done.every(Boolean)) {
      const report = await etcdClusterReport(store, cluster, t.e.name, members, creds);
      if (report.healthy && report.members.filter((m) => m.healthy).length === members.length) return report;
    }
    if (Date.now() > deadline) {
      throw new HoistError('ABORTED', `etcd ${t.e.name}: the restore of backup ${t.manifest.id} did not finish within ${timeout} (members done: ${members.filter((_, i) => done[i]).join(', ') || 'none'})`, { hint: `see hoist etcd status ${cluster} and hoist get instances ${cluster}` });
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export function registerEtcdBackup(etcd: Command, run: Runner): void {
  etcd
    .command('backup')
    .argument('[cluster]', 'the cluster (default: $HOIST_CLUSTER_NAME)')
    .option('--cluster <etcd>', 'one etcd cluster (main or events); default: each')
    .description('take a backup now: a snapshot from the leader, with its manifest, then prune by retention')
    .action(async (cluster: string | undefined, opts: EtcdClusterOption, cmd: Command) => run(cmd, (ctx) => runEtcdBackup(cluster, opts, ctx)));
  etcd
    .command('list-backups')
    .argument('[cluster]', 'the cluster (default: $HOIST_CLUSTER_NAME)')
    .option('--cluster <etcd>', 'one etcd cluster (main or events); default: each')
    .option('-o, --output <format>', 'table, yaml or json')
    .description('the backups of each etcd cluster, oldest first')
    .action(async (cluster: string | undefined, opts: EtcdClusterOption & { output?: string }, cmd: Command) => run(cmd, (ctx) => runListBackups(cluster, opts, ctx)));
  etcd
    .command('restore')
    .argument('[cluster]', 'the cluster (default: $HOIST_CLUSTER_NAME)')
    .requiredOption('--backup <id>', 'the backup to restore (hoist etcd list-backups)')
    .option('--cluster <etcd>', 'the etcd cluster (main or events)', 'main')
    .option('--timeout <duration>', 'how long to wait for the restored cluster', '10m')
    .option('--yes', 'restore (without it: show what would be done)')
    .description('restore an etcd cluster from a backup: every member stops and restores it onto its volume as a new cluster of the same members')
    .action(async (cluster: string | undefined, opts: EtcdRestoreOptions, cmd: Command) => run(cmd, (ctx) => runEtcdRestore(cluster, opts, ctx)));
}
