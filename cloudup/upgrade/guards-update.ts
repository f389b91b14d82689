/**
 * The version guards as `update cluster` runs them: the stored spec against the one the cloud
 * last had applied (`cluster-completed.spec`), with the kubelets that will talk to the new API
 * server. `update cluster` and then `rolling-update` replace the control plane before the nodes,
 * so on a change of minor every node still runs what it runs now: the nodes' live versions
 * where the cluster's kubeconfig context answers, else the applied spec's version.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { minorOf } from '../../src/channels/format.js';
import { ValidationError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { appliedClusterSpec } from './applied-spec.js';
import { checkVersionChange } from './guards.js';

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
  // The Kubernetes client is loaded only when a minor changes: a plain plan does not need it.
  const kubelets = minorChanges ? await (await import('./guards-live.js')).kubeletVersions(cluster, applied.kubernetesVersion, opts) : [];
  const change = checkVersionChange(applied, to, { allowVersionSkew: opts.allowVersionSkew, kubelets, cluster });
  if (change.problems.length > 0) {
    throw new ValidationError(`the version change of ${cluster} (${applied.kubernetesVersion} applied, ${to.kubernetesVersion} in the spec)`, change.problems);
  }
  for (const message of change.warnings) opts.events({ level: 'warn', code: 'update.version-skew', message });
}
