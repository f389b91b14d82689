/** `global/firewalls`: VPC firewall rules, aimed at instances by network tags. */

import type { Collection, Ctx } from '../collection.js';
import { ApiError, invalid } from '../errors.js';
import { existingLink } from '../refs.js';
import type { Json } from '../validate.js';
import { checkCidr, checkRfc1035, optionalString } from '../validate.js';

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'esp', 'ah', 'sctp', 'ipip', 'all'];
const WITH_PORTS = ['tcp', 'udp', 'sctp'];

function rules(value: unknown, field: string): Json[] {
  if (!Array.isArray(value)) throw invalid(field, value, 'Expected a list.');
  return value.map((rule: Json, i) => {
    const at = `${field}[${i}]`;
    const protocol = rule.IPProtocol;
    if (typeof protocol !== 'string' || !(PROTOCOLS.includes(protocol) || /^\d{1,3}$/.test(protocol))) {
      throw invalid(`${at}.IPProtocol`, protocol, 'Must be a protocol name (tcp, udp, icmp, esp, ah, sctp, ipip, all) or number.');
    }
    const ports = (rule.ports as unknown[] | undefined) ?? [];
    if (ports.length > 0 && !WITH_PORTS.includes(protocol)) throw invalid(`${at}.ports`, ports, 'Ports can only be given for tcp, udp and sctp.');
    for (const p of ports) {
      const m = typeof p === 'string' ? /^(\d+)(?:-(\d+))?$/.exec(p) : null;
      if (!m || Number(m[1]) > 65535 || Number(m[2] ?? m[1]) > 65535 || Number(m[2] ?? m[1]) < Number(m[1])) throw invalid(`${at}.ports`, p, 'Expected a port or a range of ports.');
    }
    return { IPProtocol: protocol, ...(ports.length > 0 ? { ports } : {}) };
  });
}

function firewall(ctx: Ctx, body: Json): Json {
  optionalString(body, 'description', 'resource.description');
  const network = existingLink(ctx, body.network ?? 'global/networks/default', 'resource.network', 'networks');
  const allowed = body.allowed === undefined ? [] : rules(body.allowed, 'resource.allowed');
  const denied = body.denied === undefined ? [] : rules(body.denied, 'resource.denied');
  if ((allowed.length > 0) === (denied.length > 0)) throw new ApiError(400, 'invalid', "Exactly one of 'allowed' or 'denied' must be specified.");
  const direction = body.direction ?? 'INGRESS';
  if (direction !== 'INGRESS' && direction !== 'EGRESS') throw invalid('resource.direction', direction, 'Must be INGRESS or EGRESS.');
  const priority = body.priority === undefined ? 1000 : Number(body.priority);
  if (!Number.isInteger(priority) || priority < 0 || priority > 65535) throw invalid('resource.priority', body.priority, 'Must be between 0 and 65535.');
  const list = (key: string): string[] => {
    const v = body[key] ?? [];
    if (!Array.isArray(v)) throw invalid(`resource.${key}`, v, 'Expected a list.');
    return v as string[];
  };
  list('sourceRanges').forEach((r, i) => checkCidr(r.includes('/') ? r : `${r}/32`, `resource.sourceRanges[${i}]`));
  list('destinationRanges').forEach((r, i) => checkCidr(r.includes('/') ? r : `${r}/32`, `resource.destinationRanges[${i}]`));
  list('sourceTags').forEach((t, i) => checkRfc1035(t, `resource.sourceTags[${i}]`));
  list('targetTags').forEach((t, i) => checkRfc1035(t, `resource.targetTags[${i}]`));
  if (direction === 'EGRESS' && list('sourceTags').length > 0) throw invalid('resource.sourceTags', body.sourceTags, 'Source tags cannot be given for egress rules.');
  // An ingress rule with no source applies to every source.
  const noSource = direction === 'INGRESS' && list('sourceRanges').length === 0 && list('sourceTags').length === 0 && list('sourceServiceAccounts').length === 0;
  return {
    ...(body.description === undefined ? {} : { description: body.description }),
    network,
    direction,
    priority,
    ...(allowed.length > 0 ? { allowed } : { denied }),
    ...(noSource ? { sourceRanges: ['0.0.0.0/0'] } : {}),
    ...Object.fromEntries(['sourceRanges', 'destinationRanges', 'sourceTags', 'targetTags'].filter((k) => list(k).length > 0).map((k) => [k, list(k)])),
    disabled: body.disabled === true,
    logConfig: { enable: false },
  };
}

export const firewalls: Collection = {
  name: 'firewalls',
  kind: 'compute#firewall',
  scope: 'global',
  insert: (ctx, body) => firewall(ctx, body),
  update(ctx, _path, r, body) {
    if (body.name !== undefined && body.name !== r.name) throw invalid('resource.name', body.name, 'The name cannot change.');
    const next = firewall(ctx, body);
    if (next.network !== r.network) throw invalid('resource.network', body.network, 'The network of a firewall rule cannot change.');
    return { kind: r.kind, id: r.id, name: r.name, creationTimestamp: r.creationTimestamp, selfLink: r.selfLink, ...next };
  },
  patch(ctx, path, r, body) {
    const merged = { ...r, ...body };
    if (body.allowed !== undefined) delete merged.denied;
    if (body.denied !== undefined) delete merged.allowed;
    return firewalls.update!(ctx, path, r, merged);
  },
};
