/**
 * `hoist update cluster [NAME]`: shows what applying the spec would change in the cloud; with
 * `--yes`, holds the cluster's lock and applies it. The plan can be saved and applied later,
 * exactly as it was, or printed as JSON for a CI review. With `--target terraform` it writes the
 * cluster as a Terraform module instead and changes no cloud. Planning, applying and the
 * Terraform target are the pipeline's (cloudup/pipeline/); this file parses and renders.
 */

import type { Command } from 'commander';
import { HoistError } from '../errors.js';
import { hasChanges } from '../engine/plan.js';
import type { Plan } from '../engine/plan.js';
import { renderPlanText } from '../engine/render-text.js';
import { resolve } from 'node:path';
import { applyEndpointFirst } from '../../cloudup/pipeline/api-endpoint.js';
import { applyClusterPlan } from '../../cloudup/pipeline/apply.js';
import { planCluster, writeCompletedSpec } from '../../cloudup/pipeline/plan.js';
import type { ClusterPlan, PlanClusterOptions } from '../../cloudup/pipeline/plan.js';
import { completedSpecOf } from '../../cloudup/pipeline/spec.js';
import { latestRevision } from '../../state-store/history.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { CompletedSpec } from '../api/index.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { withApplyProgress } from './shared/apply-progress.js';
import { integer, oneOf } from './shared/flags.js';
import { checkSavedPlan, loadPlan, savePlan } from './shared/saved-plan.js';

export interface UpdateClusterOptions {
  readonly yes?: boolean;
  readonly output?: string;
  readonly detailedExitcode?: boolean;
  readonly savePlan?: string;
  readonly plan?: string;
  readonly parallelism?: number;
  readonly target?: string;
  readonly out?: string;
  readonly diffAddons?: boolean;
  readonly allowVersionSkew?: boolean;
}

export async function runUpdateCluster(positional: string | undefined, opts: UpdateClusterOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName(positional);
  const format = oneOf('--output', opts.output ?? 'text', ['text', 'json'] as const);
  const target = oneOf('--target', opts.target ?? 'direct', ['direct', 'terraform'] as const);
  if (target === 'terraform') {
    if (opts.out === undefined || opts.out === '') throw new HoistError('INVALID_FLAG', '--target terraform needs --out DIR, the folder to write the module to', { hint: `hoist update cluster ${cluster} --target terraform --out ./terraform` });
    const other = [opts.plan !== undefined && '--plan', opts.savePlan !== undefined && '--save-plan', opts.detailedExitcode && '--detailed-exitcode'].filter((f) => typeof f === 'string');
    if (other.length > 0) throw new HoistError('INVALID_FLAG', `${other.join(', ')} cannot be used with --target terraform (terraform plans and applies the module)`);
    return runTerraformTarget(ctx, cluster, opts.out, format, opts.allowVersionSkew === true);
  }
  if (opts.out !== undefined) throw new HoistError('INVALID_FLAG', '--out is the folder of --target terraform', { hint: `hoist update cluster ${cluster} --target terraform --out ${opts.out}` });
  if (opts.diffAddons && (opts.savePlan !== undefined || opts.plan !== undefined)) {
    throw new HoistError('INVALID_FLAG', `--diff-addons cannot be used with ${opts.savePlan !== undefined ? '--save-plan' : '--plan'}: a saved plan compares the addons by their hash`, { hint: `read the diff with: hoist update cluster ${cluster} --diff-addons` });
  }
  const diffAddons = opts.diffAddons === true;
  const allowVersionSkew = opts.allowVersionSkew === true;
  const saved = opts.plan === undefined ? undefined : await loadPlan(ctx.io, opts.plan, cluster);
  if (saved && !opts.yes) throw new HoistError('INVALID_FLAG', '--plan applies a saved plan and needs --yes', { hint: `hoist update cluster ${cluster} --plan ${opts.plan} --yes` });

  if (!opts.yes) {
    const planned = await planOf(ctx, cluster, { readOnly: true, diffAddons, allowVersionSkew });
    await planned.session.close();
    const plan = planned.result.plan;
    if (opts.savePlan) await savePlan(ctx.io, opts.savePlan, plan);
    printPlan(ctx, plan, format);
    const { leavingMembers } = await import('../../cloudup/rolling/etcd-members.js');
    const leaving = format === 'text' ? await leavingMembers(await ctx.store(), planned.completed) : [];
    if (leaving.length > 0) ctx.io.out(`\netcd members that left the spec: ${leaving.map((l) => `${l.etcdCluster}/${l.member}`).join(', ')}; --yes removes them from etcd (one at a time, never below quorum) before their machines go, and keeps their volumes.\n`);
    if (format === 'text' && hasChanges(plan)) {
      ctx.io.out(opts.savePlan
        ? `\nThe plan was saved to ${opts.savePlan}. Apply exactly this plan with: hoist update cluster ${cluster} --plan ${opts.savePlan} --yes\n`
        : `\nMust specify --yes to apply changes: hoist update cluster ${cluster} --yes\n`);
    }
    return opts.detailedExitcode && hasChanges(plan) ? 2 : 0;
  }

  return ctx.withLock(cluster, 'update cluster', async () => {
    let planned = await planOf(ctx, cluster, { diffAddons, allowVersionSkew });
    try {
      const store = await ctx.store();
      if (saved) checkSavedPlan(saved, planned.result.plan);
      // Machines that name the API by its load balancer's name wait for it: it is made first.
      if (planned.pendingEndpoint !== undefined) {
        if (saved) throw new HoistError('INVALID_FLAG', `--plan cannot apply this plan exactly: ${planned.pendingEndpoint} does not exist yet, and what the machines are configured with depends on its name (spec.topology.dns.type None)`, { hint: `apply it with: hoist update cluster ${cluster} --yes (it makes the load balancer first, then plans the rest)` });
        if (format === 'text') ctx.io.out(`Making the API load balancer first (${planned.pendingEndpoint}): the machines' configuration names it.\n`);
        const first = planned;
        planned = await withApplyProgress(ctx, format, (progress) => applyEndpointFirst(store, first, () => planOf(ctx, cluster, { allowVersionSkew }), progress));
      }
      const plan = planned.result.plan;
      // Machines the apply launches read these at boot: they must be in place first.
      const { prepareNodes } = await import('../../cloudup/nodeup/prepare.js');
      await prepareNodes(store, planned.completed, planned.nodeConfigs, ctx.io.events, planned.nodeupBundle);
      // Members that left the spec leave etcd before the apply stops their machines.
      const { removeLeavingEtcdMembers } = await import('../../cloudup/rolling/etcd-members.js');
      const left = await removeLeavingEtcdMembers(store, planned.completed, ctx.io.events);
      if (left.length > 0 && format === 'text') ctx.io.out(`Removed from etcd before their machines go: ${left.map((l) => `${l.etcdCluster}/${l.member}`).join(', ')} (their volumes are kept).\n`);
      if (!hasChanges(plan)) {
        if (format === 'json') printPlan(ctx, plan, format);
        else ctx.io.out(renderPlanText(plan));
        await writeCompletedSpec(store, planned.completed);
        return 0;
      }
      if (format === 'text') ctx.io.out(renderPlanText(plan));
      await withApplyProgress(ctx, format, (progress) => applyClusterPlan(store, planned, { ...progress, ...(opts.parallelism === undefined ? {} : { parallelism: opts.parallelism }) }));
      await writeCompletedSpec(store, planned.completed);
      if (format === 'text') ctx.io.out(`\nCluster changes have been applied to the cloud.\n`);
      return 0;
    } finally {
      await planned.session.close();
    }
  });
}

/** The plan that reaches the stored spec; its session is open, and the caller closes it. */
async function planOf(ctx: Context, cluster: string, opts: Pick<PlanClusterOptions, 'readOnly' | 'diffAddons'> & { readonly allowVersionSkew?: boolean }): Promise<ClusterPlan> {
  const clients = await ctx.clientset();
  const [completed, last] = await Promise.all([completedSpecOf(clients, cluster), latestRevision(clients.store, cluster)]);
  await guardVersions(ctx, clients.store, completed, opts.allowVersionSkew === true);
  return planCluster(clients.store, completed, { readOnly: opts.readOnly, diffAddons: opts.diffAddons, purpose: 'reconcile', specRevision: last?.rev ?? null, env: ctx.io.env, events: ctx.io.events });
}

async function runTerraformTarget(ctx: Context, cluster: string, out: string, format: 'text' | 'json', allowVersionSkew: boolean): Promise<number> {
  const { TERRAFORM_MAIN_FILE, writeTerraformModule } = await import('../../cloudup/pipeline/terraform.js');
  const result = await ctx.withLock(cluster, 'update cluster --target terraform', async () => {
    const clients = await ctx.clientset();
    const completed = await completedSpecOf(clients, cluster);
    await guardVersions(ctx, clients.store, completed, allowVersionSkew);
    return writeTerraformModule(clients.store, completed, resolve(ctx.io.cwd, out), { env: ctx.io.env, events: ctx.io.events });
  });
  if (format === 'json') {
    ctx.io.out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const store = (await ctx.store()).url;
  ctx.io.out(
    [
      `Terraform module for ${cluster} written to ${result.out}: ${TERRAFORM_MAIN_FILE} (${result.resources} resource blocks) and ${result.files.length - 1} files in data/.`,
      result.storeObjects
        ? `The state store ${store} has the cluster's PKI and worker credentials; terraform apply writes the nodes' configuration and cluster-completed.spec there.`
        : `The state store ${store} is not on S3: the nodes' configuration, the PKI and cluster-completed.spec were written to it now.`,
      '',
      'Nothing in the cloud has changed. Apply the module with:',
      `  cd ${result.out} && terraform init && terraform apply`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** The version guards (cloudup/upgrade/guards.ts): refused before the cloud is opened or anything is written. */
async function guardVersions(ctx: Context, store: ObjectStore, completed: CompletedSpec, allowVersionSkew: boolean): Promise<void> {
  const { guardUpdate } = await import('../../cloudup/upgrade/guards-update.js');
  await guardUpdate(store, completed, { allowVersionSkew, env: ctx.io.env, cwd: ctx.io.cwd, events: ctx.io.events });
}

function printPlan(ctx: Context, plan: Plan, format: 'text' | 'json'): void {
  ctx.io.out(format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : renderPlanText(plan));
}

export function registerUpdate(program: Command, run: Runner): void {
  program
    .command('update')
    .description('make the cloud match the spec')
    .command('cluster')
    .argument('[name]', 'cluster name')
    .option('-y, --yes', 'apply the changes (without it, only show them)')
    .option('-o, --output <format>', 'text or json (the plan as JSON; with --yes, progress as JSON lines)')
    .option('--detailed-exitcode', 'exit 0 when there is nothing to change, 2 when there is (1 on errors)')
    .option('--save-plan <file>', 'write the plan to a file, to apply later with --plan')
    .option('--plan <file>', 'apply exactly this saved plan (with --yes); refused if the spec or the cloud changed since')
    .option('--diff-addons', 'compare the addon manifests with the published ones and show each change as a unified diff')
    .option('--allow-version-skew', 'go ahead with a version change the version guards refuse (docs/upgrades.md), with a warning')
    .option('--parallelism <n>', 'how many cloud changes run at once', integer('--parallelism'), 10)
    .option('--target <target>', 'direct (change the cloud) or terraform (write a Terraform module to --out instead)', 'direct')
    .option('--out <dir>', 'with --target terraform: the folder to write the module to')
    .description('show, and with --yes apply, the changes that make the cloud match the spec')
    .action(async (name: string | undefined, opts: UpdateClusterOptions, cmd: Command) => run(cmd, (ctx) => runUpdateCluster(name, opts, ctx)));
}
