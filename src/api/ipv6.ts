/**
 * IPv6 clusters, as kops marks them: `nonMasqueradeCIDR: ::/0` gives pods and services IPv6
 * addresses, while the network, its subnets and the nodes are dual-stack (an IPv4 range and an
 * IPv6 one each).
 */

import { cidrOf } from './cidr.js';
import type { ClusterSpec, Subnet } from './schema.js';

/** kops's service range of an IPv6 cluster (a /108: the API server refuses a larger one). */
export const DEFAULT_IPV6_SERVICE_RANGE = 'fd00:5e4f:ce::/108';

/** Who may reach SSH and the API by default in an IPv6 cluster: anyone, over either family. */
export const DEFAULT_IPV6_ACCESS = ['0.0.0.0/0', '::/0'] as const;

/** The network plugins that route IPv6 pods (kops allows these two, and bring-your-own `cni`). */
export const IPV6_NETWORK_PLUGINS = ['cilium', 'calico', 'cni'] as const;

export function isIpv6Cluster(spec: Pick<ClusterSpec, 'nonMasqueradeCIDR'>): boolean {
  const c = cidrOf(spec.nonMasqueradeCIDR);
  return c !== undefined && c.family === 6 && c.prefix === 0;
}

/** Private and DualStack subnets: no public addresses, out through a NAT gateway (IPv4) or the egress-only gateway (IPv6). */
export function isPrivateSubnet(s: Pick<Subnet, 'type'>): boolean {
  return s.type === 'Private' || s.type === 'DualStack';
}
