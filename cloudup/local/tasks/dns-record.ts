/** DnsRecord: the API name, pointing at the load balancer. */
import { localKind } from './resource-kind.js';

export const dnsRecordKind = localKind({
  kind: 'DnsRecord',
  type: 'dnsRecords',
  uses: ['LoadBalancer'],
  fields: (r) => ({ type: r.type, ttl: r.ttl, values: [...r.values] }),
  body: (d) => ({ ...d }),
  immutable: ['type'],
});
