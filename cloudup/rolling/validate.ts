/**
 * Cluster validation: every instance group at its target size, every instance Ready with the
 * configuration it was booted with, the API answering through its load balancer, and, given a
 * kubeconfig, every machine's Node Ready, the control plane's pods running and kube-system's
 * DaemonSets and Deployments available (./validate-workloads.ts). A failure
 * names the machine and what it last reported, so nobody has to log in to find out why.
 */

import type { KubeConfig } from '@kubernetes/client-node';
import type { RollingCloud, RollingGroup } from './types.js';

export interface ValidationFailure {
  readonly kind: 'group' | 'instance' | 'api' | 'node' | 'pod' | 'daemonset' | 'deployment' | 'etcd' | 'addon';
  readonly name: string;
  readonly message: string;
}

/** A further check (etcd health: ./validate-etcd.ts), run after the cloud's and the API's. */
export type ValidationCheck = () => Promise<readonly ValidationFailure[]>;

export interface GroupHealth {
  readonly name: string;
  readonly role: string;
  readonly desired: number;
  readonly instances: number;
  readonly ready: number;
}

export interface ClusterValidation {
  readonly valid: boolean;
  readonly failures: readonly ValidationFailure[];
  readonly groups: readonly GroupHealth[];
}

/**
 * `kube`: the cluster's kubeconfig context; with it, the Kubernetes API's checks run too
 * (./validate-api.ts). `checks`: further checks whose failures join the same list.
 */
export async function validateCluster(cloud: RollingCloud, only?: (g: RollingGroup) => boolean, kube?: KubeConfig, checks: readonly ValidationCheck[] = []): Promise<ClusterValidation> {
  const [groups, api] = await Promise.all([cloud.groups(), cloud.apiProblem()]);
  const failures: ValidationFailure[] = [];
  const health: GroupHealth[] = [];
  const machines: { id: string; nodeName?: string; group: string }[] = [];
  for (const g of groups.filter((x) => only?.(x) ?? true)) {
    const members = g.instances.filter((i) => !i.detached && i.state !== 'terminated' && i.state !== 'stopping');
    // A bastion runs no kubelet, so it has no Node to check (as kops's validation skips it).
    if (g.role !== 'Bastion') for (const i of members) machines.push({ id: i.id, group: g.name, ...(i.nodeName !== undefined ? { nodeName: i.nodeName } : {}) });
    const ready = members.filter((i) => i.ready).length;
    health.push({ name: g.name, role: g.role, desired: g.desired, instances: members.length, ready });
    if (members.length !== g.desired) failures.push({ kind: 'group', name: g.name, message: `has ${members.length} instances, wants ${g.desired}` });
    for (const i of members.filter((m) => !m.ready)) {
      const why = [i.phase && `phase ${i.phase}`, i.lastError && `last error: ${i.lastError}`].filter(Boolean).join('; ');
      failures.push({ kind: 'instance', name: i.id, message: `of group ${g.name} is not ready (${i.state}${why ? `; ${why}` : ''})` });
    }
  }
  if (api !== undefined) failures.push({ kind: 'api', name: 'api', message: api });
  if (kube !== undefined) {
    const api = await (await import('./validate-api.js')).kubernetesFailures(kube, machines);
    failures.push(...api);
    // kube-system's DaemonSets and Deployments available; an API that did not answer is one failure, not two.
    if (!api.some((f) => f.kind === 'api')) failures.push(...(await (await import('./validate-workloads.js')).workloadFailures(kube)));
  }
  for (const check of checks) failures.push(...(await check()));
  return { valid: failures.length === 0, failures, groups: health };
}
