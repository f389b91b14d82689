/**
 * kops's test specs name no `dnsZone`: kops finds, in the cloud, the hosted zone that ends the
 * cluster's name. hoist needs it named on AWS and GCE (or `topology.dns.type: None`), so tests
 * that import them as a user would name it first, in the kops document itself.
 */

/** The kops text with `dnsZone: <zone>` in its Cluster's spec. */
export function withDnsZone(kops: string, zone = 'example.com'): string {
  const cluster = /^kind: Cluster\n[\s\S]*?^spec:\n/m.exec(kops);
  if (!cluster) throw new Error('no Cluster document with a spec in this kops text');
  const end = cluster.index + cluster[0].length;
  return `${kops.slice(0, end)}  dnsZone: ${zone}\n${kops.slice(end)}`;
}
