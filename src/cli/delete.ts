/** `hoist delete instancegroup NAME --yes` and `hoist delete cluster NAME --unregister --yes`. */

import type { Command } from 'commander';
import type { CompletedSpec } from '../api/index.js';
import { NotFoundError } from '../errors.js';
import { hasChanges } from '../engine/plan.js';
import { renderPlanText } from '../engine/render-text.js';
import { planCluster } from '../../cloudup/pipeline/plan.js';
import type { PlanClusterOptions } from '../../cloudup/pipeline/plan.js';
import { completedSpecOf } from '../../cloudup/pipeline/spec.js';
import { teardownCluster } from '../../cloudup/pipeline/teardown.js';
import { latestRevision } from '../../state-store/history.js';
import { plain } from '../../state-store/clientset.js';
import { clusterPrefix } from '../../state-store/layout.js';
import { checkLockHeld, lockKey } from '../../state-store/lock.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { withApplyProgress } from './shared/apply-progress.js';
import { saveSpecSet } from './shared/save-specs.js';

export interface DeleteOptions {
  readonly yes?: boolean;
  readonly unregister?: boolean;
  readonly keepState?: boolean;
}

export async function runDeleteInstanceGroup(name: string, opts: DeleteOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName();
  const clients = await ctx.clientset();
  const before = await clients.getSpecSet(cluster);
  if (!before) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  if (!before.instanceGroups.some((v) => v.object.metadata.name === name)) {
    throw new NotFoundError(`instance group ${name} not found in cluster ${cluster}`, `list them with: hoist get instancegroups --name ${cluster}`);
  }
  const old = plain(before);
  const after = { ...old, instanceGroups: old.instanceGroups.filter((ig) => ig.metadata.name !== name) };
  if (!opts.yes) {
    ctx.io.out(`InstanceGroup ${name} would be removed from the spec of ${cluster}.\nRun again with --yes to remove it.\n`);
    return 0;
  }
  const rev = await saveSpecSet(ctx, { cluster, before, after, operation: 'delete instancegroup' });
  ctx.io.out(`instancegroup/${name} deleted from the spec (revision ${rev?.rev ?? '-'}); run hoist update cluster ${cluster} --yes to remove its machines\n`);
  return 0;
}

export async function runDeleteCluster(positional: string | undefined, opts: DeleteOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName(positional);
  const clients = await ctx.clientset();
  if (!(await clients.getCluster(cluster))) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const store = clients.store;
  if (opts.unregister) return unregister(cluster, opts, ctx);
  if (!opts.yes) {
    const [completed, input] = await teardownInput(ctx, cluster);
    const planned = await planCluster(store, completed, { ...input, readOnly: true });
    await planned.session.close();
    const plan = planned.result.plan;
    ctx.io.out(hasChanges(plan) ? renderPlanText(plan) : `Nothing of ${cluster} exists in the cloud.\n`);
    ctx.io.out(`\nMust specify --yes to delete the cluster${opts.keepState ? '' : ` and remove its state from ${store.url}`}.\n`);
    return 0;
  }
  await ctx.withLock(cluster, 'delete cluster', async () => {
    const [completed, input] = await teardownInput(ctx, cluster);
    await withApplyProgress(ctx, 'text', (progress) => teardownCluster(store, completed, { ...input, ...(progress.onProgress ? { onProgress: progress.onProgress } : {}), ...(progress.events ? { applyEvents: progress.events } : {}), onPlan: (plan) => ctx.io.out(renderPlanText(plan)) }));
    if (!opts.keepState) {
      await checkLockHeld(store, cluster);
      await removeState(ctx, cluster);
    }
  });
  ctx.io.out(`\nDeleted cluster ${cluster}${opts.keepState ? ' (its state is kept)' : ''}.\n`);
  return 0;
}

async function teardownInput(ctx: Context, cluster: string): Promise<[CompletedSpec, Omit<PlanClusterOptions, 'readOnly'>]> {
  const clients = await ctx.clientset();
  const [completed, last] = await Promise.all([completedSpecOf(clients, cluster), latestRevision(clients.store, cluster)]);
  return [completed, { purpose: 'teardown', specRevision: last?.rev ?? null, env: ctx.io.env, events: ctx.io.events }];
}

async function unregister(cluster: string, opts: DeleteOptions, ctx: Context): Promise<number> {
  const store = await ctx.store();
  if (!opts.yes) {
    const keys = await store.list(clusterPrefix(cluster));
    ctx.io.out(`The state of cluster ${cluster} (${keys.length} objects in ${store.url}) would be removed; no cloud resource is touched.\nRun again with --yes to remove it.\n`);
    return 0;
  }
  await ctx.withLock(cluster, 'delete cluster --unregister', () => removeState(ctx, cluster));
  ctx.io.out(`cluster/${cluster} unregistered: its state was removed from ${store.url}\n`);
  return 0;
}

/** Removes every object of the cluster but the lock, which its holder releases last. */
async function removeState(ctx: Context, cluster: string): Promise<void> {
  const store = await ctx.store();
  const keys = (await store.list(clusterPrefix(cluster))).filter((k) => k !== lockKey(cluster));
  await Promise.all(keys.map((k) => store.delete(k)));
}

export function registerDelete(program: Command, run: Runner): void {
  const del = program.command('delete').description('delete instance groups and clusters');
  del
    .command('instancegroup')
    .aliases(['ig'])
    .argument('<name>', 'instance group name')
    .option('-y, --yes', 'really delete it')
    .description('remove an instance group from the spec of the cluster named by --name')
    .action(async (name: string, opts: DeleteOptions, cmd: Command) => run(cmd, (ctx) => runDeleteInstanceGroup(name, opts, ctx)));
  del
    .command('cluster')
    .argument('[name]', 'cluster name')
    .option('--unregister', 'remove only the cluster from the state store; touch no cloud resource')
    .option('--keep-state', 'delete the cloud resources but keep the spec and history in the state store')
    .option('-y, --yes', 'really delete it')
    .description('delete every cloud resource of a cluster, then its state')
    .action(async (name: string | undefined, opts: DeleteOptions, cmd: Command) => run(cmd, (ctx) => runDeleteCluster(name, opts, ctx)));
}
