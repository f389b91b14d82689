/**
 * What kube-apiserver creates when it starts on an empty etcd: the system namespaces, the
 * `cluster-admin` ClusterRole bound to the group `system:masters`, and the controller-manager's
 * role (cut down to what the stand-in controllers do). Existing objects are left as they are.
 */

import type { Registry } from './registry.js';
import { findResource } from './resources.js';
import type { Resource } from './resources.js';
import { ApiError } from './status.js';
import type { KubeObject } from './storage.js';

const r = (group: string, plural: string): Resource => findResource(group, 'v1', plural) as Resource;
const RBAC = 'rbac.authorization.k8s.io';
const BOOTSTRAP = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

const SEED: readonly [Resource, KubeObject][] = [
  ...['default', 'kube-system', 'kube-public', 'kube-node-lease'].map((name): [Resource, KubeObject] => [r('', 'namespaces'), { metadata: { name } }]),
  [r(RBAC, 'clusterroles'), { metadata: { name: 'cluster-admin', labels: BOOTSTRAP }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }] }],
  [
    r(RBAC, 'clusterrolebindings'),
    { metadata: { name: 'cluster-admin', labels: BOOTSTRAP }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: RBAC, kind: 'Group', name: 'system:masters' }] },
  ],
  [
    r(RBAC, 'clusterroles'),
    {
      metadata: { name: 'system:kube-controller-manager', labels: BOOTSTRAP },
      rules: [
        { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval', 'certificatesigningrequests/status'], verbs: ['update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch', 'update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch'] },
        // The workload controllers and the scheduler step (workload-controllers.ts).
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] },
        { apiGroups: [''], resources: ['pods/status'], verbs: ['patch', 'update'] },
        { apiGroups: ['apps'], resources: ['daemonsets', 'deployments'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['daemonsets/status', 'deployments/status'], verbs: ['update'] },
      ],
    },
  ],
  [
    r(RBAC, 'clusterrolebindings'),
    {
      metadata: { name: 'system:kube-controller-manager', labels: BOOTSTRAP },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'system:kube-controller-manager' },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: 'system:kube-controller-manager' }],
    },
  ],
];

export async function seed(registry: Registry): Promise<void> {
  for (const [resource, object] of SEED) {
    try {
      await registry.create(resource, undefined, object, { fieldManager: 'kube-apiserver' });
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
    }
  }
}
