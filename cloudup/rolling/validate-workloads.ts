/**
 * kops's workload checks through the Kubernetes API: every DaemonSet and Deployment in
 * kube-system is available, by the status its controllers keep (a DaemonSet's desired pods all
 * ready, a Deployment's replicas all ready). Each failure names the object and what is missing,
 * e.g. `1 of 3 pods ready`; an object whose controller has not seen its latest spec yet is
 * named too, since its counts describe an older spec.
 */

import { AppsV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { apiErrorText } from './kube-api.js';
import type { ValidationFailure } from './validate.js';

const NAMESPACE = 'kube-system';

export async function workloadFailures(kc: KubeConfig): Promise<ValidationFailure[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  let daemonSets: V1DaemonSet[];
  let deployments: V1Deployment[];
  try {
    [daemonSets, deployments] = await Promise.all([
      apps.listNamespacedDaemonSet({ namespace: NAMESPACE }).then((l) => l.items),
      apps.listNamespacedDeployment({ namespace: NAMESPACE }).then((l) => l.items),
    ]);
  } catch (e) {
    return [{ kind: 'api', name: kc.getCurrentCluster()?.server ?? 'api', message: `listing the daemonsets and deployments of ${NAMESPACE} failed: ${apiErrorText(e)}` }];
  }
  return [...daemonSets.flatMap(daemonSetFailures), ...deployments.flatMap(deploymentFailures)];
}

const unobserved = (generation: number | undefined, observed: number | undefined): boolean => generation !== undefined && (observed ?? 0) < generation;

export function daemonSetFailures(ds: V1DaemonSet): ValidationFailure[] {
  const name = `${NAMESPACE}/${ds.metadata?.name ?? '?'}`;
  const s = ds.status;
  if (unobserved(ds.metadata?.generation, s?.observedGeneration)) return [{ kind: 'daemonset', name, message: `its controller has not observed generation ${ds.metadata?.generation ?? '?'} yet` }];
  const desired = s?.desiredNumberScheduled ?? 0;
  const ready = s?.numberReady ?? 0;
  if (ready >= desired) return [];
  return [{ kind: 'daemonset', name, message: `${ready} of ${desired} pods ready` }];
}

export function deploymentFailures(d: V1Deployment): ValidationFailure[] {
  const name = `${NAMESPACE}/${d.metadata?.name ?? '?'}`;
  const s = d.status;
  if (unobserved(d.metadata?.generation, s?.observedGeneration)) return [{ kind: 'deployment', name, message: `its controller has not observed generation ${d.metadata?.generation ?? '?'} yet` }];
  const desired = d.spec?.replicas ?? 1;
  const ready = s?.readyReplicas ?? 0;
  if (ready >= desired) return [];
  const available = s?.conditions?.find((c) => c.type === 'Available');
  const why = available !== undefined && available.status !== 'True' && available.message ? ` (${available.message})` : '';
  return [{ kind: 'deployment', name, message: `${ready} of ${desired} replicas ready${why}` }];
}
