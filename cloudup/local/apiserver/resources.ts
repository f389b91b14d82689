/**
 * The resources the local API server serves: one table, from which discovery, routing,
 * storage keys and authorization all read. Adding a resource is adding a row.
 */

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface Resource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  /** Subresources besides the object itself, e.g. `status`. */
  readonly subresources?: readonly string[];
  /** Only `create` (reviews, which are answered and never stored). */
  readonly createOnly?: boolean;
  /** etcd's folder when it differs from the plural, as kube-apiserver names it (`/registry/minions`). */
  readonly storageName?: string;
  /** A custom resource, served from a stored CustomResourceDefinition (custom-resources.ts). */
  readonly custom?: boolean;
}

const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function verbsOf(r: Resource): readonly Verb[] {
  return r.createOnly === true ? ['create'] : ALL_VERBS;
}

const core = (kind: string, plural: string, namespaced: boolean, extra: Partial<Resource> = {}): Resource => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  ...extra,
});

const grouped = (group: string, version: string, kind: string, plural: string, namespaced: boolean, extra: Partial<Resource> = {}): Resource => ({
  ...core(kind, plural, namespaced, extra),
  group,
  version,
});

export const RESOURCES: readonly Resource[] = [
  core('Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status'] }),
  core('Node', 'nodes', false, { shortNames: ['no'], subresources: ['status'], storageName: 'minions' }),
  core('Pod', 'pods', true, { shortNames: ['po'], categories: ['all'], subresources: ['status', 'eviction'] }),
  core('ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  core('Secret', 'secrets', true),
  core('Service', 'services', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'], storageName: 'services/specs' }),
  core('ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'] }),
  core('Event', 'events', true, { shortNames: ['ev'] }),
  grouped('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  grouped('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', false, { shortNames: ['csr'], subresources: ['status', 'approval'] }),
  grouped('apps', 'v1', 'Deployment', 'deployments', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status'] }),
  grouped('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
  grouped('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], subresources: ['status'] }),
  grouped('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  grouped('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  grouped('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  grouped('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  grouped('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, { createOnly: true }),
  // What addons hold besides workloads and RBAC. A CRD's custom resources are served
  // (custom-resources.ts); an APIService aggregates nothing, a StorageClass provisions nothing.
  grouped('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, {
    shortNames: ['crd', 'crds'],
    subresources: ['status'],
    storageName: 'apiextensions.k8s.io/customresourcedefinitions',
  }),
  grouped('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false, { subresources: ['status'], storageName: 'apiregistration.k8s.io/apiservices' }),
  grouped('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, { shortNames: ['pc'] }),
  grouped('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  grouped('storage.k8s.io', 'v1', 'CSIDriver', 'csidrivers', false),
];

export const groupVersion = (r: Pick<Resource, 'group' | 'version'>): string => (r.group === '' ? r.version : `${r.group}/${r.version}`);

/** The groups in the order discovery lists them (core first, as kube-apiserver does). */
export function groupVersions(resources: readonly Resource[] = RESOURCES): readonly { readonly group: string; readonly version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of resources) seen.set(groupVersion(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

export function findResource(group: string, version: string, plural: string): Resource | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findKind(apiVersion: string, kind: string): Resource | undefined {
  return RESOURCES.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}

/** etcd key of one object, or of a folder when name (and namespace) are left out. */
export function storageKey(r: Resource, namespace?: string, name?: string): string {
  const base = `/registry/${r.storageName ?? r.plural}/`;
  if (!r.namespaced) return name === undefined ? base : `${base}${name}`;
  if (namespace === undefined) return base;
  return name === undefined ? `${base}${namespace}/` : `${base}${namespace}/${name}`;
}
