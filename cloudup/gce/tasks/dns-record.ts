/**
 * DnsRecord: an A record of an API name to the API's reserved address, in the managed zone of
 * dnsZone. Records have no labels: the cluster owns the names its spec gives it
 * (`api.<cluster>`, `api.internal.<cluster>`). A create that finds the record (a crash after
 * the call) takes it over with a patch.
 */

import type { LiveObject, ResolvedFields, TaskKind } from '../../../src/engine/task.js';
import { changesTouch, taskConstructor } from '../../../src/engine/task.js';
import { dotted } from '../cloud-dns.js';
import type { RecordSet } from '../cloud-dns.js';
import type { GceContext } from '../context.js';
import { isAlreadyExists } from '../errors.js';

export interface DnsRecordFields {
  /** The managed zone's resource name. */
  readonly managedZone: string;
  /** Fully qualified, without the final dot. */
  readonly name: string;
  readonly type: 'A';
  readonly ttl: number;
  readonly rrdatas: readonly string[];
}

export const dnsRecordTask = taskConstructor<DnsRecordFields>('DnsRecord');

const undotted = (name: string): string => dotted(name).slice(0, -1);

function toLive(zone: string, r: RecordSet): LiveObject {
  const name = undotted(r.name);
  const id = `${zone}/${name}/${r.type}`;
  const fields: ResolvedFields = { managedZone: zone, name, type: r.type, ttl: r.ttl, rrdatas: [...r.rrdatas] };
  return { id, name, fields, outputs: { id } };
}

const recordSet = (d: DnsRecordFields): RecordSet => ({ name: dotted(d.name), type: d.type, ttl: d.ttl, rrdatas: [...d.rrdatas] });

export const dnsRecordKind: TaskKind<GceContext> = {
  kind: 'DnsRecord',
  uses: ['ManagedZone', 'Address'],
  async discover(ctx) {
    const names = ctx.dnsNames;
    if (!names) return [];
    const zone = await ctx.dns.findZone(names.zone);
    if (!zone) return [];
    const found = await Promise.all(names.records.map((record) => ctx.dns.records(zone.name, record, 'A')));
    return found.flat().map((r) => toLive(zone.name, r));
  },
  checkChanges(_live, changes) {
    const fixed = changesTouch(changes, ['managedZone', 'name', 'type']);
    return fixed ? { replaceReason: `${fixed.path} cannot change in place` } : {};
  },
  async create(ctx, _task, resolved) {
    const d = resolved as unknown as DnsRecordFields;
    try {
      await ctx.dns.create(d.managedZone, recordSet(d));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      await ctx.dns.patch(d.managedZone, recordSet(d));
    }
    return toLive(d.managedZone, recordSet(d));
  },
  async update(ctx, _task, _live, resolved) {
    const d = resolved as unknown as DnsRecordFields;
    await ctx.dns.patch(d.managedZone, recordSet(d));
    return toLive(d.managedZone, recordSet(d));
  },
  async delete(ctx, live) {
    const f = live.fields as unknown as DnsRecordFields;
    await ctx.dns.delete(f.managedZone, { name: f.name, type: f.type });
  },
};
