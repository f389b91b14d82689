/**
 * DNSRecord: an alias record of the API name to its load balancer. Desired: `hostedZoneId`,
 * `name`, `type` ("A"), `aliasTarget` {dnsName, hostedZoneId, evaluateTargetHealth}
 * (ChangeResourceRecordSets UPSERT, which is idempotent). Records have no tags: the cluster owns
 * the names its spec gives it (api.publicName) in the zone of dnsZone.
 */

import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import { fqdn, listDns } from '../listings/services.js';
import { awsKind, str } from './kind.js';

function recordSet(d: ResolvedFields): ResourceRecordSet {
  const alias = d['aliasTarget'] as ResolvedFields;
  return {
    Name: str(d, 'name'),
    Type: str(d, 'type') as never,
    AliasTarget: { DNSName: str(alias, 'dnsName'), HostedZoneId: str(alias, 'hostedZoneId'), EvaluateTargetHealth: alias['evaluateTargetHealth'] === true },
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
  return { id, name, fields, outputs: { id } };
}

async function change(ctx: Parameters<typeof listDns>[0], action: 'UPSERT' | 'DELETE', zoneId: string, set: ResourceRecordSet): Promise<void> {
  await ctx.clients.route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: set }] } }));
}

export const dnsRecordKind = awsKind({
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
    await change(ctx, 'UPSERT', str(d, 'hostedZoneId'), recordSet(d));
    const id = `${str(d, 'hostedZoneId')}/${fqdn(str(d, 'name'))}/${str(d, 'type')}`;
    return { id, name: task.name, fields: d, outputs: { id } };
  },
  async update(ctx, _task, live, d) {
    await change(ctx, 'UPSERT', str(d, 'hostedZoneId'), recordSet(d));
    return { ...live, fields: d };
  },
  async delete(ctx, live) {
    const f = live.fields;
    const set: ResourceRecordSet = f['aliasTarget']
      ? recordSet(f)
      : { Name: str(f, 'name'), Type: str(f, 'type') as never, TTL: f['ttl'] as number, ResourceRecords: (f['values'] as string[]).map((Value) => ({ Value })) };
    await change(ctx, 'DELETE', str(f, 'hostedZoneId'), set);
  },
});
