/**
 * Import of kops `kops.k8s.io/v1alpha2` Cluster and InstanceGroup documents.
 *
 * The conversion is guided by hoist's own schema: a field whose name and place are the same in
 * both APIs is carried as it is (the schema then judges its value), a handful of renamed concepts
 * are moved (`masterPublicName` → `api.publicName`, `role: Master` → `ControlPlane`, ...), and
 * everything else is dropped and reported with its path, value and the reason, so a kops user
 * sees exactly what the import could not carry. Nothing is dropped silently.
 */

import type { CloudTagRules } from './cloud-labels.js';
import type { KopsImport } from './cloud-rules.js';
import { API_VERSION, CLUSTER_LABEL, ClusterSchema, InstanceGroupSchema } from './schema.js';
import type { Cluster, InstanceGroup, Kind } from './schema.js';
import { moveKopsApiServerOidc } from './auth-cloud.js';
import { isValidTaint } from './labels.js';
import { formatPath } from './paths.js';
import type { Path } from './paths.js';
import { defOf, unwrap } from './zod-walk.js';
import type * as z from 'zod';

export const KOPS_API_VERSION = 'kops.k8s.io/v1alpha2';
export const KOPS_CLUSTER_LABEL = 'kops.k8s.io/cluster';

export interface DroppedField {
  /** Path in the kops document, e.g. `spec.iam`. */
  readonly path: string;
  readonly value: unknown;
  readonly reason: string;
}

export interface ConversionReport {
  readonly from: typeof KOPS_API_VERSION;
  readonly dropped: readonly DroppedField[];
}

/** A field that moved: `to` (hoist) came from `from` (kops); used to point problems at the source. */
export interface Rename {
  readonly from: Path;
  readonly to: Path;
}

export interface Conversion {
  readonly object: Record<string, unknown>;
  readonly report: ConversionReport;
  readonly renames: readonly Rename[];
}

const NO_EQUIVALENT = 'hoist has no equivalent of this kops field';
const ADDON = 'this add-on is not managed by hoist';

/** Reasons for dropped fields, by path with array indexes written as `*`. */
const REASONS: Readonly<Record<string, string>> = {
  'spec.configBase': 'hoist takes the state store location from --state, not from the spec',
  'spec.iam': 'hoist carries legacy (false), allowContainerRegistry, permissionsBoundary, useServiceAccountExternalPermissions and serviceAccountExternalPermissions',
  'spec.authentication': 'hoist carries oidc and aws: the kopeio authentication webhook is not supported',
  'spec.authentication.aws': 'hoist carries backendMode, clusterID and identityMappings: it pins aws-iam-authenticator\'s image and resources',
  'spec.authentication.kopeio': 'the kopeio authentication webhook is not supported: sign in with OpenID Connect (spec.authentication.oidc) or client certificates',
  'spec.cloudControllerManager': 'hoist configures the cloud controller manager itself',
  'spec.cloudConfig': 'hoist carries manageStorageClasses, awsEBSCSIDriver.enabled, gcpPDCSIDriver.enabled and gceServiceAccount; it configures the rest of the cloud provider itself',
  'spec.cloudConfig.awsEBSCSIDriver': 'hoist carries only enabled: it pins the EBS CSI driver\'s version and settings',
  'spec.cloudConfig.gcpPDCSIDriver': 'hoist carries only enabled: it pins the persistent disk CSI driver\'s version and settings',
  'spec.target': 'terraform settings are not part of the hoist spec',
  'spec.serviceOIDCProvider': 'an issuer hosted outside the cluster (issuerHostPath, issuerCAThumbprints) is not supported: publish the issuer with serviceAccountIssuerDiscovery',
  'spec.nodeTerminationHandler': 'hoist carries the fields of the IMDS mode (enabled, the enable* switches, prometheusEnable, excludeFromLoadBalancers, managedASGTag, podTerminationGracePeriod, taintNode, cpuRequest, memoryRequest, version) and enableSQSTerminationDraining, which it refuses when true: the queue-processor mode and its webhook settings are not supported',
  'spec.kubeDNS': 'hoist carries provider (CoreDNS), serverIP, domain, upstreamNameservers, stubDomains, externalCoreFile, cpuRequest, memoryRequest, memoryLimit, tolerations and nodeLocalDNS',
  'spec.kubeDNS.cacheMaxSize': 'a setting of kube-dns\'s dnsmasq, which hoist does not run: CoreDNS caches with its own limits',
  'spec.kubeDNS.cacheMaxConcurrent': 'a setting of kube-dns\'s dnsmasq, which hoist does not run: CoreDNS caches with its own limits',
  'spec.kubeDNS.coreDNSImage': 'hoist pins CoreDNS\'s image (spec.assets.containerRegistry mirrors it)',
  'spec.kubeDNS.cpaImage': 'hoist runs no cluster-proportional-autoscaler for CoreDNS: it runs two replicas',
  'spec.kubeDNS.image': 'kube-dns\'s image: hoist runs CoreDNS, at the version it pins',
  'spec.kubeDNS.replicas': 'deprecated in kops, where the addon sets the number of CoreDNS pods: hoist runs two',
  'spec.kubeDNS.affinity': 'hoist sets no affinity on the CoreDNS pods: they spread by the scheduler\'s defaults',
  'spec.kubeDNS.nodeLocalDNS': 'hoist carries enabled, localIP, forwardToKubeDNS, cpuRequest, memoryRequest, image and podAnnotations; a Corefile of node-local-dns\'s own (externalCoreFile, additionalConfig) is not supported: it runs the one hoist writes',
  'spec.clusterAutoscaler': 'hoist carries enabled, expander, balanceSimilarNodeGroups, scaleDownUtilizationThreshold, skipNodesWithLocalStorage, skipNodesWithSystemPods, newPodScaleUpDelay and scaleDownDelayAfterAdd; hoist pins the image',
  'spec.metricsServer': 'hoist carries enabled and insecure; hoist pins the image',
  'spec.certManager': ADDON,
  'spec.awsLoadBalancerController': ADDON,
  'spec.nodeProblemDetector': 'hoist carries only enabled; hoist pins the image',
  'spec.topology.bastion': 'bastions are InstanceGroups with role Bastion; their DNS name is not configurable',
  'spec.networking': 'hoist supports the cni, kindnet, flannel, cilium, calico, amazonvpc and kubenet networking options',
  'spec.networking.flannel': 'hoist carries only the vxlan backend',
  'spec.networking.cilium': 'hoist carries the cilium version, agentPodAnnotations and operatorPodAnnotations',
  'spec.networking.calico': 'hoist carries only the calico version',
  'spec.etcdClusters.*': 'hoist runs etcd itself: etcd-manager, image and resource settings do not apply',
  'spec.etcdClusters.*.etcdMembers.*': 'encrypted or provisioned-IOPS etcd volumes are not supported',
  'spec.api.loadBalancer': 'hoist carries the load balancer\'s type, class, sslCertificate, sslPolicy, crossZoneLoadBalancing, additionalSecurityGroups, accessLog and subnets',
  'spec.subnets.*': 'hoist carries only name, zone, region, cidr, ipv6CIDR, type, id, egress and additionalRoutes of a subnet',
  'spec.kubelet': 'kubelet setting not supported by hoist',
  'spec.kubeAPIServer': 'API server setting not supported by hoist',
  'spec.kubeAPIServer.oidcCAFile': 'hoist passes the API server no CA file for the OpenID issuer: it trusts the issuer\'s certificate through the system\'s CAs',
  'spec.kubeControllerManager': 'controller manager setting not supported by hoist',
  'spec.kubeScheduler': 'scheduler setting not supported by hoist',
  'spec.kubeProxy': 'kube-proxy setting not supported by hoist',
};

export function convertKopsDocument(kind: Kind, document: Record<string, unknown>): Conversion {
  const dropped: DroppedField[] = [];
  const renames: Rename[] = [];
  const doc = structuredClone(document);
  const { apiVersion: _ignored, kind: _kind, ...rest } = doc;
  const source: Record<string, unknown> = { apiVersion: API_VERSION, kind, ...rest };
  if (kind === 'Cluster') moveClusterFields(source, renames, dropped);
  else moveInstanceGroupFields(source, renames, dropped);
  const schema: z.ZodType = kind === 'Cluster' ? ClusterSchema : InstanceGroupSchema;
  const object = carry(source, schema, [], dropped) as Record<string, unknown>;
  if (kind === 'InstanceGroup') dropInvalidTaints(object, dropped);
  return { object, report: { from: KOPS_API_VERSION, dropped }, renames };
}

/** Copies what the hoist schema knows at the same place; reports the rest. */
function carry(value: unknown, schema: z.ZodType, path: Path, dropped: DroppedField[]): unknown {
  const def = defOf(unwrap(schema));
  if (def.type === 'object' && isPlainObject(value) && def.shape) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const field = def.shape[key];
      if (field) out[key] = carry(v, field, [...path, key], dropped);
      else if (!isEmpty(v)) dropped.push({ path: formatPath([...path, key]), value: v, reason: reasonFor([...path, key]) });
    }
    return out;
  }
  if (def.type === 'array' && Array.isArray(value) && def.element) {
    const element = def.element;
    return value.map((v, i) => carry(v, element, [...path, i], dropped));
  }
  return value;
}

function moveClusterFields(doc: Record<string, unknown>, renames: Rename[], dropped: DroppedField[]): void {
  const spec = doc['spec'];
  if (!isPlainObject(spec)) return;
  if ('masterPublicName' in spec) {
    const api = isPlainObject(spec['api']) ? spec['api'] : {};
    if (api['publicName'] === undefined) {
      spec['api'] = { ...api, publicName: spec['masterPublicName'] };
      renames.push({ from: ['spec', 'masterPublicName'], to: ['spec', 'api', 'publicName'] });
    } else {
      dropped.push({ path: 'spec.masterPublicName', value: spec['masterPublicName'], reason: 'spec.api.publicName is set' });
    }
    delete spec['masterPublicName'];
  }
  const topology = spec['topology'];
  if (isPlainObject(topology) && 'masters' in topology) {
    if (topology['controlPlane'] === undefined) {
      topology['controlPlane'] = topology['masters'];
      renames.push({ from: ['spec', 'topology', 'masters'], to: ['spec', 'topology', 'controlPlane'] });
    } else {
      dropped.push({ path: 'spec.topology.masters', value: topology['masters'], reason: 'spec.topology.controlPlane is set' });
    }
    delete topology['masters'];
  }
  move(spec, ['masterKubelet'], ['controlPlaneKubelet'], renames, dropped);
  const oidc = moveKopsApiServerOidc(spec);
  for (const [from, to] of oidc?.moved ?? []) renames.push({ from: ['spec', 'kubeAPIServer', from], to: ['spec', 'authentication', 'oidc', to] });
  for (const entry of oidc?.unreadable ?? []) dropped.push({ path: 'spec.kubeAPIServer.oidcRequiredClaim', value: entry, reason: 'not claim=value' });
  move(spec, ['additionalSans'], ['api', 'additionalSANs'], renames, dropped);
  for (const list of ['fileAssets', 'hooks']) renameMasterRole(spec[list]);
  const kcm = spec['kubeControllerManager'];
  if (isPlainObject(kcm) && 'clusterCIDR' in kcm) {
    if (spec['podCIDR'] === undefined) {
      spec['podCIDR'] = kcm['clusterCIDR'];
      renames.push({ from: ['spec', 'kubeControllerManager', 'clusterCIDR'], to: ['spec', 'podCIDR'] });
    } else {
      dropped.push({ path: 'spec.kubeControllerManager.clusterCIDR', value: kcm['clusterCIDR'], reason: 'spec.podCIDR is set' });
    }
    delete kcm['clusterCIDR'];
  }
}

function moveInstanceGroupFields(doc: Record<string, unknown>, renames: Rename[], dropped: DroppedField[]): void {
  const spec = doc['spec'];
  if (isPlainObject(spec) && spec['role'] === 'Master') spec['role'] = 'ControlPlane';
  if (isPlainObject(spec)) for (const list of ['fileAssets', 'hooks']) renameMasterRole(spec[list]);
  const metadata = doc['metadata'];
  const labels = isPlainObject(metadata) ? metadata['labels'] : undefined;
  if (isPlainObject(labels) && KOPS_CLUSTER_LABEL in labels) {
    if (labels[CLUSTER_LABEL] === undefined) {
      labels[CLUSTER_LABEL] = labels[KOPS_CLUSTER_LABEL];
      renames.push({ from: ['metadata', 'labels', KOPS_CLUSTER_LABEL], to: ['metadata', 'labels', CLUSTER_LABEL] });
    } else {
      dropped.push({ path: formatPath(['metadata', 'labels', KOPS_CLUSTER_LABEL]), value: labels[KOPS_CLUSTER_LABEL], reason: `the ${CLUSTER_LABEL} label is set` });
    }
    delete labels[KOPS_CLUSTER_LABEL];
  }
}

/**
 * Moves `spec.<from>` to `spec.<to>` (a renamed kops field), reported as a rename; when both
 * are set, the hoist one is kept and the kops one reported as dropped.
 */
function move(spec: Record<string, unknown>, from: readonly string[], to: readonly string[], renames: Rename[], dropped: DroppedField[]): void {
  const parentOf = (path: readonly string[], create: boolean): Record<string, unknown> | undefined => {
    let o: Record<string, unknown> = spec;
    for (const key of path.slice(0, -1)) {
      if (!isPlainObject(o[key])) {
        if (!create) return undefined;
        o[key] = {};
      }
      o = o[key] as Record<string, unknown>;
    }
    return o;
  };
  const source = parentOf(from, false);
  const fromKey = from[from.length - 1] ?? '';
  if (source === undefined || !(fromKey in source)) return;
  const value = source[fromKey];
  delete source[fromKey];
  const target = parentOf(to, true) ?? spec;
  const toKey = to[to.length - 1] ?? '';
  if (target[toKey] === undefined) {
    target[toKey] = value;
    renames.push({ from: ['spec', ...from], to: ['spec', ...to] });
  } else {
    dropped.push({ path: formatPath(['spec', ...from]), value, reason: `${formatPath(['spec', ...to])} is set` });
  }
}

/** kops's files and hooks name the control plane's role Master. */
function renameMasterRole(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (isPlainObject(item) && Array.isArray(item['roles'])) item['roles'] = item['roles'].map((r: unknown) => (r === 'Master' ? 'ControlPlane' : r));
  }
}

/** The import with `dropped` added to its report (the same import when nothing was dropped). */
export function withDropped<T extends Cluster | InstanceGroup>(doc: KopsImport<T>, object: T, dropped: readonly DroppedField[]): KopsImport<T> {
  if (dropped.length === 0) return doc;
  return { object, report: { ...doc.report, dropped: [...doc.report.dropped, ...dropped] } };
}

/**
 * An import without the cloudLabels the cloud's tag rules refuse, each reported. For a cloud
 * whose tags kops never writes on some resources (GCE instances), so a kops spec can hold
 * labels the cloud refuses and hoist would write.
 */
export function dropRefusedCloudLabels<T extends Cluster | InstanceGroup>(doc: KopsImport<T>, rules: CloudTagRules): KopsImport<T> {
  const labels = doc.object.spec.cloudLabels ?? {};
  const dropped: DroppedField[] = [];
  const kept = Object.fromEntries(
    Object.entries(labels).filter(([key, value]) => {
      const problem = rules.keyProblem(key) ?? rules.valueProblem(value);
      if (problem) dropped.push({ path: formatPath(['spec', 'cloudLabels', key]), value, reason: `not a valid ${rules.cloud} ${rules.noun}: ${problem.message}` });
      return !problem;
    }),
  );
  return withDropped(doc, { ...doc.object, spec: { ...doc.object.spec, cloudLabels: kept } }, dropped);
}

/**
 * kops passes taints to the kubelet unchecked, so kops specs can hold taints that no node accepts
 * (e.g. effect "c"); hoist refuses those, so the import drops them, reported, rather than failing.
 */
function dropInvalidTaints(doc: Record<string, unknown>, dropped: DroppedField[]): void {
  const spec = doc['spec'];
  if (!isPlainObject(spec) || !Array.isArray(spec['taints'])) return;
  const taints: unknown[] = spec['taints'];
  taints.forEach((t, i) => {
    if (typeof t === 'string' && !isValidTaint(t)) {
      dropped.push({ path: formatPath(['spec', 'taints', i]), value: t, reason: 'not a valid Kubernetes taint (key=value:Effect, Effect NoSchedule, PreferNoSchedule or NoExecute)' });
    }
  });
  spec['taints'] = taints.filter((t) => typeof t !== 'string' || isValidTaint(t));
}

/** The reason for the field itself, else for the object it was in. */
function reasonFor(field: Path): string {
  const key = (p: Path) => p.map((s) => (typeof s === 'number' ? '*' : s)).join('.');
  return REASONS[key(field)] ?? REASONS[key(field.slice(0, -1))] ?? NO_EQUIVALENT;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `iam: {}` carries no setting: dropping it loses nothing, so it is not reported. */
function isEmpty(v: unknown): boolean {
  return v === null || (isPlainObject(v) && Object.keys(v).length === 0);
}
