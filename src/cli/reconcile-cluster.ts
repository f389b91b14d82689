/**
 * `hoist reconcile cluster [NAME]`: the whole change of a spec in one command. Without --yes,
 * the version change, the cloud plan and the order the machines would go in; with --yes, under
 * the cluster's lock: apply the cloud changes (as update cluster --yes), then replace the
 * out-of-date machines phase by phase in the order the version-skew policy requires
 * (cloudup/upgrade/order.ts). Killed at any point, the same command continues where it was.
 */

import type { Command } from 'commander';
import type { CompletedSpec } from '../api/index.js';
import { hasChanges } from '../engine/plan.js';
import { renderPlanText } from '../engine/render-text.js';
import { jsonEventSink, textEventSink } from '../output/io.js';
import { kubeconfigPath } from '../pki/kubeconfig-file.js';
import { completedSpecOf } from '../../cloudup/pipeline/spec.js';
import { withKubernetesDrain } from '../../cloudup/rolling/kube-drain.js';
import { RollRecorder } from '../../cloudup/rolling/progress.js';
import { applyCloudChanges, planStoredSpec } from '../../cloudup/upgrade/apply-cloud.js';
import { readyKubeletVersions } from '../../cloudup/upgrade/live-kubelets.js';
import { phaseGroups } from '../../cloudup/upgrade/order.js';
import { writeReconcileRecord } from '../../cloudup/upgrade/record.js';
import type { ReconcileRecord } from '../../cloudup/upgrade/record.js';
import { rollInOrder } from '../../cloudup/upgrade/roll-in-order.js';
import { reconcileChange } from '../../cloudup/upgrade/version-change.js';
import type { ReconcileChange } from '../../cloudup/upgrade/version-change.js';
import { checkLockHeld } from '../../state-store/lock.js';
import { etcdProblemOf } from '../../nodeup/etcd/status.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { reachableKubeApi } from './rolling-update.js';
import { withApplyProgress } from './shared/apply-progress.js';
import { duration } from './shared/duration.js';
import { integer, oneOf } from './shared/flags.js';

export interface ReconcileClusterOptions {
  readonly yes?: boolean;
  readonly output?: string;
  readonly allowVersionSkew?: boolean;
  readonly cloudonly?: boolean;
  readonly kubeconfig?: string;
  readonly validationTimeout: number;
  readonly validateCount: number;
  readonly nodeInterval: number;
  readonly controlPlaneInterval: number;
  readonly drainTimeout: number;
  readonly failOnValidateError: boolean;
  readonly parallelism?: number;
}

const versionWords = (c: ReconcileChange) =>
  c.direction === 'none' ? `Kubernetes ${c.to.kubernetesVersion} (no version change)` : `${c.direction} of Kubernetes from ${c.from.kubernetesVersion} to ${c.to.kubernetesVersion}`;

export async function runReconcileCluster(positional: string | undefined, opts: ReconcileClusterOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName(positional);
  const format = oneOf('--output', opts.output ?? 'text', ['text', 'json'] as const);
  const events = format === 'json' ? jsonEventSink(ctx.io.out) : textEventSink(ctx.io.err, ctx.io.verbose);
  const clients = await ctx.clientset();
  const allowVersionSkew = opts.allowVersionSkew === true;
  if (!opts.yes) {
    const completed = await completedSpecOf(clients, cluster);
    const change = await reconcileChange(clients.store, cluster, completed.cluster.spec, { allowVersionSkew, events });
    const planned = await planStoredSpec(clients, cluster, { readOnly: true, env: ctx.io.env, events: ctx.io.events }, completed);
    await planned.session.close();
    const order = orderOf(change, completed);
    if (format === 'json') {
      ctx.io.out(`${JSON.stringify({ from: change.from, to: change.to, direction: change.direction, resumes: change.resumes !== undefined, order, plan: planned.result.plan }, null, 2)}\n`);
      return 0;
    }
    ctx.io.out(`${versionWords(change)}${change.resumes ? ' (continuing an interrupted reconcile)' : ''}\n\n${renderPlanText(planned.result.plan)}\n`);
    ctx.io.out(`Then out-of-date machines are replaced in this order:\n${order.map((p, i) => `  ${i + 1}. ${p.phase}: ${p.groups.length > 0 ? p.groups.join(', ') : '(no such group)'}`).join('\n')}\n`);
    ctx.io.out(`\nMust specify --yes to apply the changes and replace the machines: hoist reconcile cluster ${cluster} --yes\n`);
    return 0;
  }

  return ctx.withLock(cluster, 'reconcile cluster', async () => {
    const store = clients.store;
    const started = Date.now();
    const completed = await completedSpecOf(clients, cluster);
    // Machines are drained through the Kubernetes API: it must answer before anything changes.
    const api = opts.cloudonly ? undefined : await reachableKubeApi(kubeconfigPath({ flag: opts.kubeconfig, env: ctx.io.env, cwd: ctx.io.cwd }), cluster);
    const kubelets = api === undefined ? {} : { kubelets: () => readyKubeletVersions(api) };
    const change = await reconcileChange(store, cluster, completed.cluster.spec, { allowVersionSkew, events, ...kubelets });
    const now = new Date().toISOString();
    let record: ReconcileRecord = await writeReconcileRecord(store, cluster, change.resumes ?? { from: change.from, to: change.to, direction: change.direction, startedAt: now, updatedAt: now, applied: false, phasesDone: [] });
    events({
      level: 'info',
      code: 'reconcile.started',
      message: `reconcile of ${cluster}: ${versionWords(change)}${change.resumes ? `, continuing the run started at ${record.startedAt}` : ''}`,
      data: { from: change.from.kubernetesVersion, to: change.to.kubernetesVersion, direction: change.direction, resumed: change.resumes !== undefined, phasesDone: record.phasesDone, order: orderOf(change, completed) },
    });
    const planned = await planStoredSpec(clients, cluster, { env: ctx.io.env, events: ctx.io.events }, completed);
    if (format === 'text' && hasChanges(planned.result.plan)) ctx.io.out(renderPlanText(planned.result.plan));
    const applied = await withApplyProgress(ctx, format, (progress) =>
      applyCloudChanges(clients, cluster, planned, { env: ctx.io.env, events: ctx.io.events, progress: { ...progress, ...(opts.parallelism === undefined ? {} : { parallelism: opts.parallelism }) } }),
    );
    try {
      record = await writeReconcileRecord(store, cluster, { ...record, applied: true });
      events({ level: 'info', code: 'reconcile.applied', message: applied.changed ? 'the cloud changes were applied' : 'the cloud had no changes to apply', data: { changed: applied.changed } });
      let cloud = await applied.planned.session.rolling(store);
      if (api !== undefined && !cloud.drains) cloud = withKubernetesDrain(cloud, api, { timeoutMs: opts.drainTimeout, events });
      const settings = new Map(applied.planned.completed.instanceGroups.map((ig) => [ig.metadata.name, ig.spec.rollingUpdate]));
      const result = await rollInOrder(cloud, {
        direction: change.direction,
        phasesDone: record.phasesDone,
        onPhaseDone: async (phase) => {
          record = await writeReconcileRecord(store, cluster, { ...record, phasesDone: [...record.phasesDone, phase] });
        },
        settings: (g) => settings.get(g)!,
        cloudOnly: opts.cloudonly ?? false,
        validationTimeoutMs: opts.validationTimeout,
        validateCount: opts.validateCount,
        nodeIntervalMs: opts.nodeInterval,
        controlPlaneIntervalMs: opts.controlPlaneInterval,
        drainTimeoutMs: opts.drainTimeout,
        failOnValidateError: opts.failOnValidateError,
        recorder: await RollRecorder.open(store, cluster),
        events,
        // A reconcile whose lock was broken stops before its next step, not alongside the new holder.
        beforeChange: () => checkLockHeld(store, cluster),
        etcdProblem: etcdProblemOf(store, cluster, completed.cluster.spec.etcdClusters.map((e) => ({ name: e.name, members: e.etcdMembers.map((m) => m.name) }))),
      });
      record = await writeReconcileRecord(store, cluster, { ...record, finishedAt: new Date().toISOString() });
      const count = Object.values(result.replaced).reduce((n, ids) => n + ids.length, 0);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const message = `Reconcile completed: ${versionWords(change)}; ${count} machine(s) replaced in ${seconds} s.`;
      if (format === 'json') events({ level: 'info', code: 'reconcile.finished', message, data: { direction: change.direction, from: change.from.kubernetesVersion, to: change.to.kubernetesVersion, replaced: result.replaced } });
      else ctx.io.out(`${message}\n`);
      return 0;
    } finally {
      await applied.planned.session.close();
    }
  });
}

function orderOf(change: ReconcileChange, completed: CompletedSpec) {
  return phaseGroups(change.direction, completed.instanceGroups.map((ig) => ({ name: ig.metadata.name, role: ig.spec.role })));
}

export function registerReconcile(program: Command, run: Runner): void {
  program
    .command('reconcile')
    .description('apply the spec and replace the machines in the order the version-skew policy requires')
    .command('cluster')
    .argument('[name]', 'cluster name')
    .option('-y, --yes', 'apply the changes and replace the machines (without it, only show them)')
    .option('-o, --output <format>', 'text, or json (the preview as JSON; with --yes, progress as JSON lines)')
    .option('--allow-version-skew', 'go ahead with a version change the guards refuse (with a warning)')
    .option('--kubeconfig <file>', 'where the context named after the cluster is, to drain nodes through its API (default $KUBECONFIG, else ~/.kube/config)')
    .option('--cloudonly', 'replace machines without draining or validating (for a cluster that does not work)')
    .option('--validation-timeout <duration>', 'how long new machines and the cluster may take to become valid', duration('--validation-timeout'), 15 * 60_000)
    .option('--validate-count <n>', 'how many validations in a row must pass after each batch', integer('--validate-count'), 1)
    .option('--node-interval <duration>', 'pause between batches of nodes', duration('--node-interval'), 0)
    .option('--control-plane-interval <duration>', 'pause between control-plane machines', duration('--control-plane-interval'), 0)
    .option('--drain-timeout <duration>', 'how long a machine may take to drain', duration('--drain-timeout'), 5 * 60_000)
    .option('--no-fail-on-validate-error', 'go on when the cluster does not validate (with a warning)')
    .option('--parallelism <n>', 'how many cloud changes run at once', integer('--parallelism'), 10)
    .action(async (name: string | undefined, opts: ReconcileClusterOptions, cmd: Command) => run(cmd, (ctx) => runReconcileCluster(name, opts, ctx)));
}
