/**
 * DNSRecord: an alias record of the API name to its load balancer (ChangeResourceRecordSets
 * UPSERT, which is idempotent): A, and AAAA beside it when the load balancer is dual-stack.
 * Records have no tags: the cluster owns the names its spec gives it (api.publicName) in the
 * zone of dnsZone. An AAAA record's task is named `<name>-AAAA`, as kops names it, so that both
 * records of a name are tasks of their own.
 */

import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { fqdn, listDns } from '../listings/services.js';
import { awsKind, liveFields } from './kind.js';

export interface DnsRecordFields {
  readonly hostedZoneId: string;
  readonly name: string;
  readonly type: 'A' | 'AAAA';
  readonly aliasTarget: { readonly dnsName: string; readonly hostedZoneId: string; readonly evaluateTargetHealth: boolean };
}

export const dnsRecordTask = taskConstructor<DnsRecordFields>('DNSRecord');

/** The task (and live object) name of a record: its DNS name, with `-AAAA` for an AAAA record. */
export function dnsRecordName(name: string, type: string): string {
  return type === 'AAAA' ? `${name}-AAAA` : name;
}

/** A live record: an alias as hoist makes them, or values with a TTL. */
type LiveRecord = Omit<DnsRecordFields, 'aliasTarget' | 'type'> & { readonly type: string; readonly aliasTarget?: DnsRecordFields['aliasTarget']; readonly ttl?: number; readonly values?: readonly string[] };

function recordSet(d: Pick<DnsRecordFields, 'name' | 'aliasTarget'> & { readonly type: string }): ResourceRecordSet {
  const alias = d.aliasTarget;
  return {
    Name: d.name,
    Type: d.type as never,
    AliasTarget: { DNSName: alias.dnsName, HostedZoneId: alias.hostedZoneId, EvaluateTargetHealth: alias.evaluateTargetHealth },
  };
}

function toLive(zoneId: string, r: ResourceRecordSet): LiveObject {
  const name = fqdn(r.Name ?? '');
  const id = `${zoneId}/${name}/${r.Type}`;
  const fields: ResolvedFields = {
    hostedZoneId: zoneId,
    name,
    type: r.Type ?? '',
    ...(r.AliasTarget
      ? { aliasTarget: { dnsName: fqdn(r.AliasTarget.DNSName ?? ''), hostedZoneId: r.AliasTarget.HostedZoneId ?? '', evaluateTargetHealth: r.AliasTarget.EvaluateTargetHealth ?? false } }
      : { ttl: r.TTL ?? 0, values: (r.ResourceRecords ?? []).map((v) => v.Value ?? '') }),
  };
  return { id, name: dnsRecordName(name, r.Type ?? ''), fields, outputs: { id } };
}

async function change(ctx: Parameters<typeof listDns>[0], action: 'UPSERT' | 'DELETE', zoneId: string, set: ResourceRecordSet): Promise<void> {
  await ctx.clients.route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: set }] } }));
}

export const dnsRecordKind = awsKind<DnsRecordFields>({
  kind: 'DNSRecord',
  uses: ['HostedZone', 'LoadBalancer'],
  immutable: ['hostedZoneId', 'name', 'type'],
  async list(ctx) {
    const { zone, records } = await listDns(ctx);
    if (!zone) return [];
    const zoneId = (zone.Id ?? '').replace(/^\/hostedzone\//, '');
    return records.map((r) => toLive(zoneId, r));
  },
  async create(ctx, task, d) {
    await change(ctx, 'UPSERT', d.hostedZoneId, recordSet(d));
    const id = `${d.hostedZoneId}/${fqdn(d.name)}/${d.type}`;
    return { id, name: task.name, fields: { ...d }, outputs: { id } };
  },
  async update(ctx, _task, live, d) {
    await change(ctx, 'UPSERT', d.hostedZoneId, recordSet(d));
    return { ...live, fields: { ...d } };
  },
  async delete(ctx, live) {
    const f = liveFields<LiveRecord>(live);
    const set: ResourceRecordSet = f.aliasTarget
      ? recordSet({ ...f, aliasTarget: f.aliasTarget })
      : { Name: f.name, Type: f.type as never, TTL: f.ttl, ResourceRecords: (f.values ?? []).map((Value) => ({ Value })) };
    await change(ctx, 'DELETE', f.hostedZoneId, set);
  },
});
