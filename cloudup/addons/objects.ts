/** Small builders for the objects every addon has: accounts, RBAC, workloads, their health checks. */

import type { AddonHealthCheck } from '../../nodeup/addons/channel.js';
import type { KubeObject } from './types.js';

export const KUBE_SYSTEM = 'kube-system';
const RBAC = 'rbac.authorization.k8s.io';

export type Rule = { readonly apiGroups: readonly string[]; readonly resources: readonly string[]; readonly verbs: readonly string[]; readonly resourceNames?: readonly string[] };

export const rule = (apiGroups: readonly string[], resources: readonly string[], verbs: readonly string[]): Rule => ({ apiGroups, resources, verbs });
export const READ = ['get', 'list', 'watch'] as const;
export const ALL = ['*'] as const;

export function serviceAccount(name: string, namespace = KUBE_SYSTEM): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
}

export function clusterRole(name: string, rules: readonly Rule[]): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules };
}

type Subject = { readonly kind: 'ServiceAccount'; readonly name: string; readonly namespace: string } | { readonly kind: 'Group' | 'User'; readonly name: string; readonly apiGroup: string };

export const accountSubject = (name: string, namespace = KUBE_SYSTEM): Subject => ({ kind: 'ServiceAccount', name, namespace });
export const groupSubject = (name: string): Subject => ({ kind: 'Group', name, apiGroup: RBAC });

export function clusterRoleBinding(name: string, role: string, subjects: readonly Subject[]): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects };
}

export function role(name: string, namespace: string, rules: readonly Rule[]): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace }, rules };
}

export function roleBinding(name: string, namespace: string, roleName: string, subjects: readonly Subject[], roleKind: 'Role' | 'ClusterRole' = 'Role'): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName }, subjects };
}

/** A service account bound to its own new ClusterRole: the usual RBAC of a controller. */
export function accountWithClusterRole(name: string, rules: readonly Rule[], namespace = KUBE_SYSTEM): KubeObject[] {
  return [serviceAccount(name, namespace), clusterRole(name, rules), clusterRoleBinding(name, name, [accountSubject(name, namespace)])];
}

export function configMap(name: string, namespace: string, data: Readonly<Record<string, string>>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** Tolerates every taint: what node agents (network, CSI node, problem detector) need to run everywhere. */
export const EVERYWHERE = [{ operator: 'Exists' }] as const;
/** Runs on control-plane nodes, as cloud controllers must (they hold the cloud credentials there). */
export const ON_CONTROL_PLANE = {
  nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
  tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }, { key: 'node.cloudprovider.kubernetes.io/uninitialized', operator: 'Exists', effect: 'NoSchedule' }],
} as const;

interface Workload {
  readonly name: string;
  readonly namespace?: string;
  /** The pod's labels and the selector: `k8s-app: <name>` unless given. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The pod spec (containers, volumes, serviceAccountName, ...). */
  readonly pod: Readonly<Record<string, unknown>>;
  /** Annotations of the pod template; none when absent or empty. */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/** The pod template's metadata: its labels, and its annotations when there are any. */
function templateMetadata(w: Workload, labels: Readonly<Record<string, string>>): Record<string, unknown> {
  return Object.keys(w.podAnnotations ?? {}).length > 0 ? { labels, annotations: w.podAnnotations } : { labels };
}

export function daemonSet(w: Workload): KubeObject {
  const labels = w.labels ?? { 'k8s-app': w.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: w.name, namespace: w.namespace ?? KUBE_SYSTEM, labels },
    spec: { selector: { matchLabels: labels }, updateStrategy: { type: 'RollingUpdate' }, template: { metadata: templateMetadata(w, labels), spec: { priorityClassName: 'system-node-critical', ...w.pod } } },
  };
}

export function deployment(w: Workload & { readonly replicas?: number }): KubeObject {
  const labels = w.labels ?? { 'k8s-app': w.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: w.name, namespace: w.namespace ?? KUBE_SYSTEM, labels },
    spec: { replicas: w.replicas ?? 1, selector: { matchLabels: labels }, template: { metadata: templateMetadata(w, labels), spec: { priorityClassName: 'system-cluster-critical', ...w.pod } } },
  };
}

/** The health checks of an addon: every Deployment and DaemonSet it has must be available. */
export function workloadsOf(objects: readonly KubeObject[]): AddonHealthCheck[] {
  return objects.flatMap((o) => (o.kind === 'Deployment' || o.kind === 'DaemonSet' ? [{ kind: o.kind, namespace: o.metadata.namespace ?? KUBE_SYSTEM, name: o.metadata.name }] : []));
}

/** A container's environment entry from a field of its own pod (node name, pod IP, ...). */
export const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
export const hostPath = (name: string, path: string, type?: string) => ({ name, hostPath: { path, ...(type === undefined ? {} : { type }) } });
export const mount = (name: string, mountPath: string, readOnly?: boolean) => ({ name, mountPath, ...(readOnly === undefined ? {} : { readOnly }) });
