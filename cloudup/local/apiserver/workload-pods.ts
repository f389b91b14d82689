/**
 * Pods made from a workload's template, as the DaemonSet and Deployment controllers make them:
 * named `<owner>-<random>` (generateName), owned by the workload (a controller
 * ownerReference, which drains and `kubectl` read), labelled with the template's hash
 * (`controller-revision-hash` for a DaemonSet, `pod-template-hash` for a Deployment), so a
 * changed template is seen as new pods to make and old ones to remove.
 */

import { createHash } from 'node:crypto';
import type { V1ObjectMeta, V1Pod, V1PodSpec, V1PodTemplateSpec } from '@kubernetes/client-node';

export interface Owner {
  readonly apiVersion: string;
  readonly kind: 'DaemonSet' | 'Deployment';
  readonly metadata?: V1ObjectMeta;
}

/** Ten hex characters of the template's hash (the real controllers use FNV, safe-encoded). */
export function templateHash(template: V1PodTemplateSpec | undefined): string {
  return createHash('sha256').update(JSON.stringify(template ?? {})).digest('hex').slice(0, 10);
}

export function ownedBy(pod: V1Pod, owner: Owner): boolean {
  const uid = owner.metadata?.uid;
  return uid !== undefined && (pod.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.controller === true);
}

export const terminating = (pod: V1Pod): boolean => pod.metadata?.deletionTimestamp !== undefined;

export const finished = (pod: V1Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export function podReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

export function podFromTemplate(owner: Owner, template: V1PodTemplateSpec | undefined, hashLabel: string, hash: string, spec: V1PodSpec, nodeName?: string): V1Pod {
  const name = owner.metadata?.name ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: owner.metadata?.namespace ?? 'default',
      labels: { ...template?.metadata?.labels, [hashLabel]: hash },
      ...(template?.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name, uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...spec, ...(nodeName === undefined ? {} : { nodeName }) },
  };
}
