/**
 * nodeup: a machine configures itself. It reads its boot configuration, then its nodeup.yaml
 * from the state store (refused unless its hash is the one it was launched for), turns it into
 * node tasks, and plans and applies them with the same engine as `update cluster`. It reports
 * Configuring, then Ready or Failed (with the failing task) to its status object.
 */

import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { HoistError } from '../src/errors.js';
import { applyPlan } from '../src/engine/apply.js';
import { discoverAll } from '../src/engine/discover.js';
import type { Plan } from '../src/engine/plan.js';
import { buildPlan } from '../src/engine/planner.js';
import type { Task } from '../src/engine/task.js';
import type { EventSink } from '../src/output/events.js';
import { openStore } from '../state-store/open.js';
import type { ObjectStore } from '../state-store/object-store.js';
import { parseBootConfig } from './config/boot.js';
import { proxyOfConfig, proxyOfEnv, routeFetch, storeProxyOption } from './http-proxy.js';
import type { BootConfig } from './config/boot.js';
import { readNodeupConfig } from './config/read.js';
import type { NodeContext } from './context.js';
import { remoteEtcdServers } from './etcd/remote.js';
import { buildNodeModel } from './model/index.js';
import type { HealthCheck, NodeIdentity } from './model/index.js';
import { loadNodePki } from './pki/material.js';
import { apt, recordedPackages } from './services/packages.js';
import type { PackageManager } from './services/packages.js';
import { recordedServices, systemd } from './services/manager.js';
import type { ServiceManager } from './services/manager.js';
import { writeInstanceStatus } from './status.js';
import type { InstanceStatus, NodePhase } from './status.js';
import { NODE_KINDS } from './tasks/index.js';
import { warmingTasks } from './warm-pool.js';
import type { NodeupConfig } from './config/schema.js';

export interface NodeupOptions {
  /** The boot configuration (user data) file. */
  readonly bootFile: string;
  /** Apply under this folder instead of `/`; nothing outside it is touched. */
  readonly root?: string;
  /** Plan only: no change to the machine, no status written. */
  readonly dryRun?: boolean;
  readonly instanceId?: string;
  readonly address?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly events: EventSink;
  /** Default: systemd on a real host, recorded under --root. The local agent passes its supervisor. */
  readonly services?: ServiceManager;
  readonly packages?: PackageManager;
  /** The state store; opened from the boot configuration when not given. */
  readonly store?: ObjectStore;
}

export interface NodeupResult {
  readonly boot: BootConfig;
  readonly node: NodeIdentity;
  readonly plan: Plan;
  /** Changes applied (0 in a dry run, or when there was nothing to do). */
  readonly applied: number;
  readonly healthChecks: readonly HealthCheck[];
  /** The machine went into its group's warm pool: it prepared itself and did not join (warm-pool.ts). */
  readonly warmed?: boolean;
}

/** A failed nodeup: the task that failed (when one did) and why. */
export class NodeupError extends HoistError {
  constructor(readonly task: string | undefined, message: string, cause?: unknown) {
    super('ABORTED', task === undefined ? message : `${task}: ${message}`, {
      cause,
      hint: 'nodeup reported this to the state store: hoist get instances shows it; fix the cause and nodeup runs again',
    });
  }
}

export async function runNodeup(opts: NodeupOptions): Promise<NodeupResult> {
  const bootPath = resolve(opts.cwd ?? process.cwd(), opts.bootFile);
  const boot = parseBootConfig(await readFile(bootPath, 'utf8').catch((e: unknown) => {
    throw new HoistError('NOT_FOUND', `cannot read the boot configuration ${bootPath}: ${e instanceof Error ? e.message : String(e)}`);
  }), bootPath);
  const root = opts.root === undefined ? '/' : resolve(opts.cwd ?? process.cwd(), opts.root);
  const rooted = opts.root !== undefined;
  const node = identity(opts, boot);
  // The store by the boot environment's proxy: nodeup.yaml, which names the cluster's, is in it.
  const store = opts.store ?? (await openStore(boot.stateStore, { env: opts.env, events: opts.events, source: 'the boot configuration stateStore', ...storeProxyOption() }));
  const report = async (phase: NodePhase, extra: Partial<InstanceStatus> = {}) => {
    if (opts.dryRun) return;
    const status: InstanceStatus = { instanceId: node.instanceId, cluster: boot.cluster, instanceGroup: boot.instanceGroup, phase, configHash: boot.configHash, updatedAt: new Date().toISOString(), ...extra };
    await writeInstanceStatus(store, status);
    opts.events({ level: phase === 'Failed' ? 'error' : 'info', code: `nodeup.${phase.toLowerCase()}`, message: `nodeup: ${node.instanceId} is ${phase}${extra.error ? `: ${extra.error.task ? `${extra.error.task}: ` : ''}${extra.error.message}` : ''}`, data: { ...status } });
  };

  await report('Configuring');
  let failedTask: string | undefined;
  try {
    const { config } = await readNodeupConfig(store, boot).catch((e: unknown) => {
      failedTask = `NodeupConfig/${boot.instanceGroup}`;
      throw e;
    });
    // The archives by the cluster's proxy (its no_proxy names the API's load balancer too).
    routeFetch(config.egressProxy === undefined ? proxyOfEnv(opts.env) : proxyOfConfig(config.egressProxy));
    const pki = await loadNodePki(store, config);
    const etcdServers = config.role === 'APIServer' ? await remoteEtcdServers(store, config, opts.events) : undefined;
    const model = buildNodeModel({ config, node, pki, ...(etcdServers === undefined ? {} : { etcdServers }) });
    // A machine going into its group's warm pool only prepares itself (warm-pool.ts).
    const warming = config.warmPool !== undefined && (await (await import('./warm-pool-aws.js')).isWarming(opts.env));
    const tasks = warming ? warmingTasks(model.tasks) : model.tasks;
    const ctx = nodeContext({ root, rooted, opts, pki, tasks });
    const discovered = await discoverAll(NODE_KINDS, ctx);
    const result = buildPlan({ cluster: boot.cluster, cloud: 'node', specRevision: null, tasks, kinds: NODE_KINDS }, discovered);
    const acting = result.plan.changes.filter((c) => c.action !== 'noop').length;
    const done = warming ? 'Warmed' : 'Ready';
    const healthChecks = warming ? [] : model.healthChecks;
    if (opts.dryRun || acting === 0) {
      await report(done, { changes: 0 });
      if (!opts.dryRun) await completeHook(config, boot, node, opts);
      return { boot, node, plan: result.plan, applied: 0, healthChecks, ...(warming ? { warmed: true } : {}) };
    }
    const applied = await applyPlan({ result, kinds: NODE_KINDS, ctx, executor: { parallelism: 8, isRetryable: () => false, stepDeadlineMs: 10 * 60_000, events: opts.events } });
    const failure = applied.failures[0];
    if (failure !== undefined) {
      failedTask = failure.id.replace(/^(create|update|replace|delete) /, '');
      throw failure.error;
    }
    await report(done, { changes: acting });
    await completeHook(config, boot, node, opts);
    return { boot, node, plan: result.plan, applied: acting, healthChecks, ...(warming ? { warmed: true } : {}) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await report('Failed', { error: { ...(failedTask ? { task: failedTask } : {}), message } }).catch(() => undefined);
    throw new NodeupError(failedTask, message, e);
  }
}

/**
 * With the group's lifecycle hook, the launch (into the warm pool or into service) goes on only
 * once nodeup has done its part: completed after a run that succeeded, as kops's nodeup does.
 */
async function completeHook(config: NodeupConfig, boot: BootConfig, node: NodeIdentity, opts: NodeupOptions): Promise<void> {
  const hook = config.warmPool?.lifecycleHook;
  if (hook === undefined) return;
  try {
    const { completeLifecycleHook } = await import('./warm-pool-aws.js');
    await completeLifecycleHook({ env: opts.env, cluster: boot.cluster, instanceGroup: boot.instanceGroup, instanceId: node.instanceId, hook, events: opts.events });
  } catch (e) {
    throw new NodeupError(`LifecycleHook/${hook}`, e instanceof Error ? e.message : String(e), e);
  }
}

function nodeContext(input: { root: string; rooted: boolean; opts: NodeupOptions; pki: NodeContext['pki']; tasks: readonly Task[] }): NodeContext {
  const wanted = new Map<string, Task[]>();
  for (const t of input.tasks) wanted.set(t.kind, [...(wanted.get(t.kind) ?? []), t]);
  return {
    root: input.root,
    rooted: input.rooted,
    services: input.opts.services ?? (input.rooted ? recordedServices(input.root) : systemd()),
    packages: input.opts.packages ?? (input.rooted ? recordedPackages(input.root) : apt()),
    pki: input.pki,
    wanted,
    events: input.opts.events,
  };
}

/**
 * The machine's id and address: given, from the local cloud's environment, from the boot
 * configuration (AWS), or from the host (GCE, whose hostname is the instance's name).
 */
export function identity(opts: Pick<NodeupOptions, 'instanceId' | 'address' | 'env'>, boot: Pick<BootConfig, 'instanceId'>): NodeIdentity {
  const instanceId = opts.instanceId ?? opts.env.HOIST_INSTANCE_ID ?? boot.instanceId ?? hostname();
  const given = opts.address ?? opts.env.HOIST_INSTANCE_ADDRESS;
  if (given !== undefined) return { instanceId, address: given, nodeName: instanceId };
  return { instanceId, address: primaryAddress(), bindAddress: '0.0.0.0', nodeName: instanceId };
}

function primaryAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
