/** DnsRecord: the API name, pointing at the load balancer. */
import type { DnsRecord } from '../api-types.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { localKind } from './resource-kind.js';

export interface DnsRecordFields {
  readonly type: DnsRecord['type'];
  readonly ttl: number;
  readonly values: readonly string[];
}

export const dnsRecordTask = taskConstructor<DnsRecordFields>('DnsRecord');

export const dnsRecordKind = localKind<'dnsRecords', DnsRecordFields>({
  kind: 'DnsRecord',
  type: 'dnsRecords',
  uses: ['LoadBalancer'],
  fields: (r) => ({ type: r.type, ttl: r.ttl, values: [...r.values] }),
  body: (d) => ({ ...d }),
  immutable: ['type'],
});
