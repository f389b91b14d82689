/**
 * `hoist etcd status CLUSTER [-o table|yaml|json]`: each etcd cluster's members, their
 * addresses, the leader, health, revision, database size and the last backup. It asks the
 * members over TLS with a short-lived client certificate from the cluster's etcd-clients-ca.
 * Exit code 1 when an etcd cluster is not healthy.
 */

import type { Command } from 'commander';
import { stringify } from 'yaml';
import { completeSpec } from '../api/index.js';
import { NotFoundError } from '../errors.js';
import { parseOutputFormat, renderJson, renderTable } from '../output/format.js';
import type { EtcdClusterReport } from '../../nodeup/etcd/status.js';
import { etcdClusterReport, operatorCredentials } from '../../nodeup/etcd/status.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { registerEtcdBackup } from './etcd-backup.js';

export interface EtcdStatusOptions {
  readonly output?: string;
}

export async function runEtcdStatus(positional: string | undefined, opts: EtcdStatusOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName(positional);
  const clients = await ctx.clientset();
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const spec = completeSpec(set.cluster.object, set.instanceGroups.map((v) => v.object));
  const store = await ctx.store();
  const creds = await operatorCredentials(store, cluster);
  const reports = await Promise.all(spec.cluster.spec.etcdClusters.map((e) => etcdClusterReport(store, cluster, e.name, e.etcdMembers.map((m) => m.name), creds)));
  if (format === 'json') ctx.io.out(renderJson({ cluster, etcdClusters: reports }));
  else if (format === 'yaml') ctx.io.out(stringify({ cluster, etcdClusters: reports }, { lineWidth: 0 }));
  else ctx.io.out(renderReports(reports));
  return reports.every((r) => r.healthy) ? 0 : 1;
}

const size = (bytes: number | undefined) => (bytes === undefined ? '-' : bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`);

function renderReports(reports: readonly EtcdClusterReport[]): string {
  const rows = reports.flatMap((r) => r.members.map((m) => ({ r, m })));
  const table = renderTable(rows, [
    { header: 'ETCD', value: ({ r }) => r.name },
    { header: 'MEMBER', value: ({ m }) => m.name },
    { header: 'ID', value: ({ m }) => m.id ?? '-' },
    { header: 'PEER', value: ({ m }) => m.peerUrl ?? '-' },
    { header: 'CLIENT', value: ({ m }) => m.clientUrl ?? '-' },
    { header: 'LEADER', value: ({ m }) => (m.leader ? 'yes' : 'no') },
    { header: 'HEALTH', value: ({ m }) => (m.healthy ? 'healthy' : `unhealthy${m.error ? ` (${m.error})` : ''}`) },
    { header: 'REVISION', value: ({ m }) => m.revision ?? '-' },
    { header: 'DB-SIZE', value: ({ m }) => size(m.dbSize) },
    { header: 'VERSION', value: ({ m }) => m.version ?? '-' },
  ]);
  const summary = reports.map((r) => `etcd ${r.name}: ${r.healthy ? `healthy, leader ${r.leader ?? '?'}` : `NOT healthy: ${r.problem ?? ''}`}; last backup: ${r.lastBackup ?? 'none'}`);
  return `${table}\n${summary.join('\n')}\n`;
}

export function registerEtcd(program: Command, run: Runner): void {
  const etcd = program.command('etcd').description("the cluster's etcd: status, backups and restore");
  etcd
    .command('status')
    .argument('[cluster]', 'the cluster (default: $HOIST_CLUSTER_NAME)')
    .option('-o, --output <format>', 'table, yaml or json')
    .description('members, their addresses, leader, health, revision, DB size and last backup of each etcd cluster (exit 1 when one is not healthy)')
    .action(async (cluster: string | undefined, opts: EtcdStatusOptions, cmd: Command) => run(cmd, (ctx) => runEtcdStatus(cluster, opts, ctx)));
  registerEtcdBackup(etcd, run);
}
