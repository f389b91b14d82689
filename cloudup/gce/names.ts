/**
 * Names of a cluster's GCE resources, kops-style: `<thing>-<cluster>` with the cluster name's
 * dots as dashes. Compute names are RFC 1035 labels (`[a-z]([-a-z0-9]{0,61}[a-z0-9])?`): too
 * long a name is cut and ended by a hash of the whole, and one that would not start with a letter
 * gets an `h` in front. Names are unique per kind and scope, so the task names are the GCE names.
 */

import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { safeName } from './labels.js';

export function gceName(...parts: readonly string[]): string {
  const joined = safeName(parts.join('-'), 1000).replace(/-+/g, '-').replace(/^-|-$/g, '');
  const named = /^[a-z]/.test(joined) ? joined : `h${joined}`;
  return safeName(named);
}

export const networkName = (cluster: string): string => gceName(cluster);
export const subnetworkName = (subnet: string, cluster: string): string => gceName(subnet, cluster);
export const firewallName = (rule: string, cluster: string): string => gceName(rule, cluster);
export const apiName = (cluster: string): string => gceName('api', cluster);

/**
 * The API's port: the API servers' own (kube-apiserver's 6443), and so the forwarding rule's, and
 * the one clients use at the API's names and address. A GCE network load balancer passes packets
 * to the port they were sent to: it cannot map 443 to 6443 as AWS's does.
 */
export const API_PORT = 6443;
export const etcdDiskName = (member: string, etcd: string, cluster: string): string => gceName(member, 'etcd', etcd, cluster);

/** `<group>-<cluster>-<hash>`: a template is never changed, so each content has its own name. */
export function templateName(ig: string, cluster: string, contentHash: string): string {
  return `${gceName(ig, cluster).slice(0, 63 - 9).replace(/-+$/, '')}-${contentHash.slice(0, 8)}`;
}

/** `<zone letter>-<group>-<cluster>`, as kops names a group's manager in each of its zones. */
export function groupManagerName(ig: string, zone: string, cluster: string): string {
  return gceName(zone.slice(zone.lastIndexOf('-') + 1), ig, cluster);
}

/** `<group>-<cluster>`: a regional group spans the group's zones, so its name has no zone letter. */
export function regionalGroupManagerName(ig: string, cluster: string): string {
  return gceName(ig, cluster);
}

/** The managed groups of an InstanceGroup: one per zone, or one regional group. */
export function groupManagerNames(ig: string, zones: readonly string[], cluster: string, regional: boolean): string[] {
  return regional ? [regionalGroupManagerName(ig, cluster)] : zones.map((z) => groupManagerName(ig, z, cluster));
}

/** `api-<subnet>-<cluster>`: an internal API load balancer's address and forwarding rule, in that subnet, as kops names them. */
export function apiSubnetName(subnet: string, cluster: string): string {
  return gceName('api', subnet, cluster);
}

/** GCE adds `-xxxx` to it for each instance; at most 58 characters. */
export function baseInstanceName(ig: string, cluster: string): string {
  return safeName(gceName(ig, cluster), 58);
}

/** A network tag: what firewall rules aim at. `<cluster>-<role>`. */
export function networkTag(cluster: string, role: string): string {
  return gceName(cluster, role);
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(stringify(value) ?? '').digest('hex');
}
