/**
 * The CustomResourceDefinitions calico-node and calico-kube-controllers need on the Kubernetes
 * datastore: those of Calico's operator-less manifest (calico.yaml) of the pinned release, by
 * group, kind and scope. Each carries a structural schema that keeps every field
 * (`x-kubernetes-preserve-unknown-fields`) rather than the release's field-by-field schemas:
 * the API server stores what Calico writes, and Calico's own components check its fields.
 */

import type { KubeObject } from '../types.js';

export const CALICO_GROUP = 'crd.projectcalico.org';
const POLICY_GROUP = 'policy.networking.k8s.io';

type Scope = 'Cluster' | 'Namespaced';

/** Calico's own kinds, all crd.projectcalico.org/v1; only NetworkPolicy and NetworkSet are namespaced. */
const CALICO_KINDS: readonly (readonly [kind: string, plural: string, scope: Scope])[] = [
  ['BGPConfiguration', 'bgpconfigurations', 'Cluster'],
  ['BGPFilter', 'bgpfilters', 'Cluster'],
  ['BGPPeer', 'bgppeers', 'Cluster'],
  ['BlockAffinity', 'blockaffinities', 'Cluster'],
  ['CalicoNodeStatus', 'caliconodestatuses', 'Cluster'],
  ['ClusterInformation', 'clusterinformations', 'Cluster'],
  ['FelixConfiguration', 'felixconfigurations', 'Cluster'],
  ['GlobalNetworkPolicy', 'globalnetworkpolicies', 'Cluster'],
  ['GlobalNetworkSet', 'globalnetworksets', 'Cluster'],
  ['HostEndpoint', 'hostendpoints', 'Cluster'],
  ['IPAMBlock', 'ipamblocks', 'Cluster'],
  ['IPAMConfig', 'ipamconfigs', 'Cluster'],
  ['IPAMHandle', 'ipamhandles', 'Cluster'],
  ['IPPool', 'ippools', 'Cluster'],
  ['IPReservation', 'ipreservations', 'Cluster'],
  ['KubeControllersConfiguration', 'kubecontrollersconfigurations', 'Cluster'],
  ['NetworkPolicy', 'networkpolicies', 'Namespaced'],
  ['NetworkSet', 'networksets', 'Namespaced'],
  ['Tier', 'tiers', 'Cluster'],
];

const KEEP_EVERY_FIELD = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as const;

function crd(group: string, version: string, kind: string, plural: string, scope: Scope, extra: { shortNames?: readonly string[]; status?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), ...(extra.shortNames === undefined ? {} : { shortNames: extra.shortNames }) },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: KEEP_EVERY_FIELD }, ...(extra.status === true ? { subresources: { status: {} } } : {}) }],
    },
  };
}

/**
 * Calico's CRDs, and the AdminNetworkPolicy CRD of SIG Network's policy API (v1alpha1), which
 * Calico's manifest ships since it enforces those policies; its kube-controllers watch it.
 */
export function calicoCrds(): KubeObject[] {
  return [
    ...CALICO_KINDS.map(([kind, plural, scope]) => crd(CALICO_GROUP, 'v1', kind, plural, scope)),
    crd(POLICY_GROUP, 'v1alpha1', 'AdminNetworkPolicy', 'adminnetworkpolicies', 'Cluster', { shortNames: ['anp'], status: true }),
  ];
}
