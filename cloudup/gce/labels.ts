/**
 * Ownership on GCE. Labels allow only lowercase letters, digits, `-` and `_` (keys start with a
 * letter; both at most 63 characters), so the tags hoist uses on every cloud are spelt:
 *
 *   hoist-dev-cluster=<cluster>              hoist.dev/cluster=<cluster>
 *   kubernetes-io-cluster-<cluster>=owned    kubernetes.io/cluster/<cluster>=owned
 *   hoist-dev-role=control-plane|node|bastion
 *   hoist-dev-instancegroup=<group>
 *
 * where <cluster> is the cluster name in lowercase with every other character as `-`
 * (`demo.example.com` becomes `demo-example-com`), cut to fit with a hash of the whole name
 * when it is too long. Labels exist on instances (through their template), disks, addresses and
 * forwarding rules. Networks, subnetworks, firewall rules, instance templates, managed instance
 * groups and target pools have no labels in Compute v1: they carry the exact text
 * `hoist.dev/cluster=<cluster name>` as their description, and discovery filters on it.
 */

import { createHash } from 'node:crypto';
import { CLUSTER_TAG } from '../tags.js';

export const CLUSTER_LABEL = 'hoist-dev-cluster';
export const ROLE_LABEL = 'hoist-dev-role';
export const INSTANCE_GROUP_LABEL = 'hoist-dev-instancegroup';
export const ETCD_CLUSTER_LABEL = 'hoist-dev-etcd-cluster';
export const ETCD_MEMBER_LABEL = 'hoist-dev-etcd-member';

const MAX = 63;

/** Lowercase letters, digits and `-` only; longer than `max`, cut and ended by a hash of the whole. */
export function safeName(text: string, max = MAX): string {
  const clean = text.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (clean.length <= max) return clean;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${clean.slice(0, max - 9).replace(/-+$/, '')}-${hash}`;
}

/** A label value: lowercase letters, digits, `-` and `_`, at most 63. */
export function labelValue(text: string): string {
  const clean = text.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return clean.length <= MAX ? clean : `${clean.slice(0, MAX - 9)}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

/** A label key: as a value, but it must start with a letter. */
export function labelKey(text: string): string {
  const v = labelValue(text);
  return /^[a-z]/.test(v) ? v : safeName(`k-${v}`);
}

export function kubernetesClusterLabel(cluster: string): string {
  return `kubernetes-io-cluster-${safeName(cluster, MAX - 'kubernetes-io-cluster-'.length)}`;
}

export function ownershipLabels(cluster: string): Record<string, string> {
  return { [CLUSTER_LABEL]: labelValue(cluster), [kubernetesClusterLabel(cluster)]: 'owned' };
}

/** User labels (the spec's cloudLabels) spelt as GCE labels. */
export function gceLabels(labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).map(([k, v]) => [labelKey(k), labelValue(v)]));
}

/** The description that marks what hoist made for a cluster where labels do not exist. */
export function ownerDescription(cluster: string): string {
  return `${CLUSTER_TAG}=${cluster}`;
}

/** The list filter that finds what the cluster owns: by label, or by description. */
export function labelFilter(cluster: string): string {
  return `labels.${CLUSTER_LABEL} = "${labelValue(cluster)}"`;
}

export function descriptionFilter(cluster: string): string {
  return `description = "${ownerDescription(cluster).replace(/["\\]/g, '\\$&')}"`;
}
