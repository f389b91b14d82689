/**
 * kops's test specs name no `dnsZone`, and hoist accepts them so (the zone is found in the cloud
 * when the cluster is planned). Tests that build or check a model from such a spec without a
 * cloud to ask name the zone first, in the kops document itself, as a user may.
 */

/** The kops text with `dnsZone: <zone>` in its Cluster's spec. */
export function withDnsZone(kops: string, zone = 'example.com'): string {
  const cluster = /^kind: Cluster\n[\s\S]*?^spec:\n/m.exec(kops);
  if (!cluster) throw new Error('no Cluster document with a spec in this kops text');
  const end = cluster.index + cluster[0].length;
  return `${kops.slice(0, end)}  dnsZone: ${zone}\n${kops.slice(end)}`;
}
