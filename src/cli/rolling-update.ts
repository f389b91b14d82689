/**
 * `hoist rolling-update cluster [NAME]`: without --yes, which groups have machines out of date;
 * with --yes, replaces them safely under the cluster's lock, recording its progress so that a
 * killed roll continues where it was.
 */

import type { Command } from 'commander';
import { HoistError, invalidFlag } from '../errors.js';
import { INSTANCE_GROUP_ROLES } from '../api/index.js';
import type { CompletedSpec, InstanceGroupRole } from '../api/index.js';
import type { CloudSession } from '../../cloudup/provider.js';
import { jsonEventSink, textEventSink } from '../output/io.js';
import { kubeconfigPath } from '../pki/kubeconfig-file.js';
import { renderTable } from '../output/format.js';
import { apiVersionProblem, kubeApiFromKubeconfig } from '../../cloudup/rolling/kube-api.js';
import type { KubeApi } from '../../cloudup/rolling/kube-api.js';
import { withKubernetesDrain } from '../../cloudup/rolling/kube-drain.js';
import { inspectCluster } from '../../cloudup/pipeline/spec.js';
import { RollRecorder } from '../../cloudup/rolling/progress.js';
import { rollingUpdate } from '../../cloudup/rolling/roll.js';
import { checkLockHeld } from '../../state-store/lock.js';
import type { RollingGroup } from '../../cloudup/rolling/types.js';
import { etcdProblemOf } from '../../nodeup/etcd/status.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { duration } from './shared/duration.js';
import { collect, integer, oneOf } from './shared/flags.js';

export interface RollingUpdateOptions {
  readonly yes?: boolean;
  readonly instanceGroup: readonly string[];
  readonly instanceGroupRoles: readonly string[];
  readonly cloudonly?: boolean;
  readonly force?: boolean;
  readonly validationTimeout: number;
  readonly validateCount: number;
  readonly nodeInterval: number;
  readonly controlPlaneInterval: number;
  readonly drainTimeout: number;
  readonly failOnValidateError: boolean;
  /** kops's --bastion-interval, --post-drain-delay and --fail-on-drain-error (default true). */
  readonly bastionInterval?: number;
  readonly postDrainDelay?: number;
  readonly failOnDrainError?: boolean;
  /** kops's -i: ask before each batch of machines. */
  readonly interactive?: boolean;
  readonly output?: string;
  readonly kubeconfig?: string;
  readonly pollMs?: number;
  /** `delete instance`: replace this instance only, in its group, whatever its state. */
  readonly only?: string;
  /** With `only`: launch its replacement first (maxSurge 1) instead of terminating it first. */
  readonly surge?: boolean;
}

/** The cluster's Kubernetes API from its kubeconfig context, once it has answered. */
export async function reachableKubeApi(path: string, cluster: string): Promise<KubeApi> {
  const api = await kubeApiFromKubeconfig(path, cluster);
  const unreachable = (why: string) =>
    new HoistError('ABORTED', `cannot drain nodes: the Kubernetes API of ${cluster} at ${api.server} ${why}; no machine was touched`, {
      user: true,
      hint: 'fix the API (hoist validate cluster says what is wrong), or replace machines without draining: --cloudonly',
    });
  const problem = await apiVersionProblem(api);
  if (problem !== undefined) throw unreachable(`does not answer GET /version (${problem})`);
  return api;
}

export async function runRollingUpdate(positional: string | undefined, opts: RollingUpdateOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName(positional);
  const format = oneOf('--output', opts.output ?? 'text', ['text', 'json'] as const);
  const roles = opts.instanceGroupRoles.map((r) => oneOf<InstanceGroupRole>('--instance-group-roles', r, INSTANCE_GROUP_ROLES));
  if (opts.interactive === true && !ctx.io.interactive) throw invalidFlag('--interactive', true, 'needs a terminal to ask on', 'run it in a terminal, or leave out -i');
  const { completed, session } = await inspectCluster(await ctx.clientset(), cluster, { env: ctx.io.env, events: ctx.io.events, readOnly: !opts.yes });
  try {
    return await roll(cluster, opts, ctx, format, roles, completed, session);
  } finally {
    await session.close();
  }
}

async function roll(cluster: string, opts: RollingUpdateOptions, ctx: Context, format: 'text' | 'json', roles: readonly InstanceGroupRole[], completed: CompletedSpec, session: CloudSession): Promise<number> {
  const known = new Set(completed.instanceGroups.map((ig) => ig.metadata.name));
  for (const g of opts.instanceGroup) {
    if (!known.has(g)) throw new HoistError('INVALID_FLAG', `--instance-group ${g}: cluster ${cluster} has no such instance group`, { hint: `its groups: ${[...known].join(', ')}` });
  }
  let cloud = await session.rolling(await ctx.store());
  const target = opts.only === undefined ? undefined : await groupOf(cloud, cluster, opts.only);
  const include = (g: RollingGroup) =>
    target !== undefined ? g.name === target.group : (opts.instanceGroup.length === 0 || opts.instanceGroup.includes(g.name)) && (roles.length === 0 || roles.includes(g.role));
  const events = format === 'json' ? jsonEventSink(ctx.io.out) : textEventSink(ctx.io.err, ctx.io.verbose);
  // A cloud without a channel to its nodes drains them through the cluster's Kubernetes API.
  if (opts.yes && !opts.cloudonly && !cloud.drains) {
    const api = await reachableKubeApi(kubeconfigPath({ flag: opts.kubeconfig, env: ctx.io.env, cwd: ctx.io.cwd }), cluster);
    cloud = withKubernetesDrain(cloud, api, { timeoutMs: opts.drainTimeout, events });
  }
  if (!opts.yes && opts.only !== undefined) {
    const how = opts.cloudonly ? 'terminated without draining' : opts.surge ? 'replaced by a new machine first, then drained and terminated' : 'drained and terminated, then replaced';
    ctx.io.out(`Instance ${target?.id} of instance group ${target?.group} would be ${how}.\nMust specify --yes to delete it.\n`);
    return 0;
  }
  if (!opts.yes) {
    const groups = (await cloud.groups()).filter(include);
    ctx.io.out(renderTable(groups, [
      { header: 'NAME', value: (g) => g.name },
      { header: 'STATUS', value: (g) => (needUpdate(g, opts.force) > 0 ? 'NeedsUpdate' : 'Ready') },
      { header: 'NEEDUPDATE', value: (g) => needUpdate(g, opts.force) },
      { header: 'READY', value: (g) => g.instances.filter((i) => !i.detached && i.ready).length },
      { header: 'MIN', value: (g) => g.minSize },
      { header: 'TARGET', value: (g) => g.desired },
      { header: 'MAX', value: (g) => g.maxSize },
    ]));
    const pending = groups.some((g) => needUpdate(g, opts.force) > 0);
    ctx.io.out(pending ? `\nMust specify --yes to rolling-update: hoist rolling-update cluster ${cluster} --yes\n` : '\nNo rolling update is needed.\n');
    return 0;
  }

  // One machine goes: with --surge its replacement comes first, else it goes first.
  const single = opts.surge ? { maxSurge: 1, maxUnavailable: 0 } : { maxSurge: 0, maxUnavailable: 1 };
  const settings = new Map(completed.instanceGroups.map((ig) => [ig.metadata.name, opts.only === undefined ? ig.spec.rollingUpdate : single]));
  return ctx.withLock(cluster, opts.only === undefined ? 'rolling-update cluster' : 'delete instance', async () => {
    const store = await ctx.store();
    const recorder = await RollRecorder.open(store, cluster);
    const started = Date.now();
    const result = await rollingUpdate(cloud, {
      settings: (g) => settings.get(g)!,
      include,
      force: opts.force ?? false,
      ...(target === undefined ? {} : { only: new Set([target.id]) }),
      cloudOnly: opts.cloudonly ?? false,
      validationTimeoutMs: opts.validationTimeout,
      validateCount: opts.validateCount,
      nodeIntervalMs: opts.nodeInterval,
      controlPlaneIntervalMs: opts.controlPlaneInterval,
      drainTimeoutMs: opts.drainTimeout,
      failOnValidateError: opts.failOnValidateError,
      ...(opts.bastionInterval === undefined ? {} : { bastionIntervalMs: opts.bastionInterval }),
      ...(opts.postDrainDelay === undefined ? {} : { postDrainDelayMs: opts.postDrainDelay }),
      ...(opts.failOnDrainError === undefined ? {} : { failOnDrainError: opts.failOnDrainError }),
      ...(opts.interactive === true ? { confirm: async (group: string, batch: readonly string[]) => /^y(es)?$/i.test((await ctx.io.ask(`Replace ${batch.join(', ')} of ${group}? [y/N] `)).trim()) } : {}),
      recorder,
      events,
      // A roll whose lock was broken stops before its next batch, not alongside the new holder.
      beforeChange: () => checkLockHeld(store, cluster),
      ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }),
      etcdProblem: etcdProblemOf(store, cluster, completed.cluster.spec.etcdClusters.map((e) => ({ name: e.name, members: e.etcdMembers.map((m) => m.name) }))),
    });
    const count = Object.values(result.replaced).reduce((n, ids) => n + ids.length, 0);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (format === 'json') events({ level: 'info', code: 'roll.finished', message: `rolling update finished: ${count} instance(s) replaced in ${seconds} s`, data: { replaced: result.replaced } });
    else if (opts.only !== undefined) ctx.io.out(`Instance ${target?.id ?? opts.only} deleted and replaced in ${seconds} s.\n`);
    else ctx.io.out(count === 0 ? 'No instance needed an update.\n' : `Rolling update completed: ${count} instance(s) replaced in ${seconds} s.\n`);
    return 0;
  });
}

/** The group of a live instance of the cluster; a clear error when there is none. */
async function groupOf(cloud: { groups(): Promise<RollingGroup[]> }, cluster: string, id: string): Promise<{ group: string; id: string }> {
  for (const g of await cloud.groups()) {
    // An instance id, or the name of its Kubernetes node, as kops accepts either.
    const i = g.instances.find((x) => (x.id === id || x.nodeName === id) && x.state !== 'terminated' && !x.detached);
    if (i !== undefined) return { group: g.name, id: i.id };
  }
  throw new HoistError('NOT_FOUND', `${id} is not a running instance of cluster ${cluster}`, { hint: `list them with: hoist get instances --name ${cluster}` });
}

function needUpdate(g: RollingGroup, force = false): number {
  return g.instances.filter((i) => !i.detached && i.state !== 'terminated' && (force || i.needsUpdate)).length;
}

export function registerRollingUpdate(program: Command, run: Runner): void {
  program
    .command('rolling-update')
    .description('replace machines that are out of date')
    .command('cluster')
    .argument('[name]', 'cluster name')
    .option('-y, --yes', 'replace the machines (without it, only show which need it)')
    .option('--instance-group <names>', 'only these instance groups (comma-separated or repeated)', collect, [])
    .option('--instance-group-roles <roles>', 'only groups of these roles: Bastion, ControlPlane, APIServer, Node', collect, [])
    .option('--cloudonly', 'replace machines without draining or validating (for a cluster that does not work)')
    .option('--force', 'replace every machine, out of date or not')
    .option('--validation-timeout <duration>', 'how long new machines and the cluster may take to become valid', duration('--validation-timeout'), 15 * 60_000)
    .option('--validate-count <n>', 'how many validations in a row must pass after each batch', integer('--validate-count'), 1)
    .option('--node-interval <duration>', 'pause between batches of nodes', duration('--node-interval'), 0)
    .option('--control-plane-interval <duration>', 'pause between control-plane machines', duration('--control-plane-interval'), 0)
    .option('--drain-timeout <duration>', 'how long a machine may take to drain', duration('--drain-timeout'), 5 * 60_000)
    .option('--kubeconfig <file>', 'where the context named after the cluster is, to drain nodes through its API on clouds without a node channel (default $KUBECONFIG, else ~/.kube/config)')
    .option('--no-fail-on-validate-error', 'go on when the cluster does not validate after a batch (with a warning)')
    .option('--bastion-interval <duration>', 'pause between bastion machines (default: --node-interval)', duration('--bastion-interval'))
    .option('--post-drain-delay <duration>', 'pause after machines are drained, before they are terminated', duration('--post-drain-delay'), 0)
    .option('-i, --interactive', 'ask before each batch of machines is replaced')
    .option('--no-fail-on-drain-error', 'terminate a machine that does not finish draining within --drain-timeout anyway (with a warning)')
    .option('-o, --output <format>', 'text, or json for JSON-lines events')
    .description('replace out-of-date machines, group by group, within maxSurge and maxUnavailable')
    .action(async (name: string | undefined, opts: RollingUpdateOptions, cmd: Command) => run(cmd, (ctx) => runRollingUpdate(name, opts, ctx)));
}
