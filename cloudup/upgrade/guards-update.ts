/**
 * The version guards as `update cluster` runs them: the stored spec against the one the cloud
 * last had applied (`cluster-completed.spec`), with the kubelets that will talk to the new API
 * server. `update cluster` and then `rolling-update` replace the control plane before the nodes,
 * so on a change of minor every node still runs what it runs now: the nodes' live versions
 * where the cluster's kubeconfig context answers, else the applied spec's version.
 */

import { CoreV1Api } from '@kubernetes/client-node';
import type { CompletedSpec } from '../../src/api/index.js';
import { minorOf } from '../../src/channels/format.js';
import { ValidationError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { loadClusterKubeconfig } from '../rolling/kubeconfig-load.js';
import { appliedClusterSpec } from './applied-spec.js';
import { checkVersionChange } from './guards.js';
import type { KubeletVersion } from './guards.js';

const LIVE_TIMEOUT_MS = 5_000;

export interface UpdateGuardOptions {
  readonly allowVersionSkew: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly events: EventSink;
}

/** Throws the refusals (nothing has been written yet); emits the overridden ones as warnings. */
export async function guardUpdate(store: ObjectStore, completed: CompletedSpec, opts: UpdateGuardOptions): Promise<void> {
  const cluster = completed.cluster.metadata.name;
  const applied = await appliedClusterSpec(store, cluster);
  // A cluster never applied has no version to change from.
  if (!applied) return;
  const to = completed.cluster.spec;
  const minorChanges = minorOf(applied.kubernetesVersion) !== minorOf(to.kubernetesVersion);
  const kubelets = minorChanges ? await kubeletVersions(cluster, applied.kubernetesVersion, opts) : [];
  const change = checkVersionChange(applied, to, { allowVersionSkew: opts.allowVersionSkew, kubelets, cluster });
  if (change.problems.length > 0) {
    throw new ValidationError(`the version change of ${cluster} (${applied.kubernetesVersion} applied, ${to.kubernetesVersion} in the spec)`, change.problems);
  }
  for (const message of change.warnings) opts.events({ level: 'warn', code: 'update.version-skew', message });
}

async function kubeletVersions(cluster: string, appliedVersion: string, opts: UpdateGuardOptions): Promise<KubeletVersion[]> {
  const fallback = [{ name: 'the nodes (the applied spec\'s version)', version: appliedVersion }];
  try {
    const config = loadClusterKubeconfig({ env: opts.env, cwd: opts.cwd }, cluster);
    if (!config) return fallback;
    const nodes = await withTimeout(config.makeApiClient(CoreV1Api).listNode(), LIVE_TIMEOUT_MS);
    const live = nodes.items.flatMap((n) => (n.status?.nodeInfo?.kubeletVersion ? [{ name: `node ${n.metadata?.name ?? '?'}`, version: n.status.nodeInfo.kubeletVersion }] : []));
    return live.length > 0 ? live : fallback;
  } catch (e) {
    opts.events({ level: 'debug', code: 'update.kubelets-unread', message: `the nodes' versions could not be read (${e instanceof Error ? e.message : String(e)}): taking the applied spec's ${appliedVersion}` });
    return fallback;
  }
}

/** An unreachable API must not hold up a plan: after `ms` the applied spec's version is taken. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
