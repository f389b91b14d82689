/**
 * `regions/R/forwardingRules`: external TCP forwarding to a target pool on a reserved external
 * address, or internal (`loadBalancingScheme: INTERNAL`) forwarding of up to five ports to a
 * regional backend service on a reserved internal address of the rule's subnetwork.
 */

import type { Collection, Ctx } from '../collection.js';
import { ApiError, invalid } from '../errors.js';
import { fingerprint } from '../migs.js';
import { existingLink } from '../refs.js';
import type { Json } from '../validate.js';
import { checkLabels, optionalString } from '../validate.js';
import { setLabels } from './labels.js';

/** The reserved address of the rule's region that holds `ip` (an IP or a link to the address). */
function reservedAddress(ctx: Ctx, ip: unknown, type = 'EXTERNAL'): { address: string; link: string; subnetwork?: unknown } {
  if (typeof ip === 'string' && /^(https?:|projects\/|regions\/)/.test(ip)) {
    const url = existingLink(ctx, ip, 'resource.IPAddress', 'addresses');
    const r = ctx.state.mustGet(url.replace(/^.*\/compute\/v1\//, ''));
    if ((r.addressType ?? 'EXTERNAL') !== type) throw invalid('resource.IPAddress', ip, `An ${type} forwarding rule takes an ${type} address.`);
    return { address: String(r.address), link: url, subnetwork: r.subnetwork };
  }
  const scope = `projects/${ctx.project}/regions/${ctx.scope.name}/addresses`;
  const found = ctx.state.list(scope).find((a) => a.address === ip && (a.addressType ?? 'EXTERNAL') === type);
  if (!found) throw invalid('resource.IPAddress', ip, `The address is not a reserved ${type} address of this region.`);
  return { address: String(found.address), link: String(found.selfLink), subnetwork: found.subnetwork };
}

/** An internal passthrough rule: ports (no range) to a regional backend service, in a subnetwork, on an internal address of it. */
function internalRule(ctx: Ctx, body: Json): Json {
  if (body.target !== undefined) throw invalid('resource.target', body.target, 'An INTERNAL rule forwards to a backendService, not a target.');
  if (body.backendService === undefined) throw new ApiError(400, 'required', "Required field 'resource.backendService' not specified");
  const backendService = existingLink(ctx, body.backendService, 'resource.backendService', 'backendServices');
  if (body.portRange !== undefined) throw invalid('resource.portRange', body.portRange, 'An INTERNAL rule to a backend service takes ports, not a portRange.');
  const ports = body.ports;
  if (!Array.isArray(ports) || ports.length === 0 || ports.length > 5) throw invalid('resource.ports', ports, 'Expected one to five ports.');
  for (const [i, p] of ports.entries()) if (typeof p !== 'string' || !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw invalid(`resource.ports[${i}]`, p, 'Expected a port 1-65535.');
  if (body.subnetwork === undefined) throw new ApiError(400, 'required', "Required field 'resource.subnetwork' not specified");
  const subnetwork = existingLink(ctx, body.subnetwork, 'resource.subnetwork', 'subnetworks');
  const sub = ctx.state.mustGet(subnetwork.replace(/^.*\/compute\/v1\//, ''));
  const network = body.network === undefined ? String(sub.network) : existingLink(ctx, body.network, 'resource.network', 'networks');
  if (network !== sub.network) throw invalid('resource.subnetwork', body.subnetwork, 'The subnetwork is not in the rule\'s network.');
  if (body.IPAddress === undefined) throw new ApiError(400, 'required', "Required field 'resource.IPAddress' not specified (the fake allocates no ephemeral internal address)");
  const ip = reservedAddress(ctx, body.IPAddress, 'INTERNAL');
  if (ip.subnetwork !== subnetwork) throw invalid('resource.IPAddress', body.IPAddress, 'The address is not in the rule\'s subnetwork.');
  return { IPAddress: ip.address, addressLink: ip.link, ports: [...(ports as string[])], backendService, network, subnetwork, fingerprint: fingerprint([backendService]) };
}

export const forwardingRules: Collection = {
  name: 'forwardingRules',
  kind: 'compute#forwardingRule',
  scope: 'region',
  insert(ctx, body) {
    optionalString(body, 'description', 'resource.description');
    const scheme = body.loadBalancingScheme ?? 'EXTERNAL';
    if (scheme !== 'EXTERNAL' && scheme !== 'INTERNAL') throw invalid('resource.loadBalancingScheme', scheme, 'Only EXTERNAL and INTERNAL rules are covered by the fake.');
    const protocol = body.IPProtocol ?? 'TCP';
    if (scheme === 'INTERNAL') {
      if (!['TCP', 'UDP'].includes(String(protocol))) throw invalid('resource.IPProtocol', protocol, 'Must be TCP or UDP for a backend service.');
      const labels = checkLabels(body.labels, 'resource.labels');
      return {
        ...(body.description === undefined ? {} : { description: body.description }),
        ...internalRule(ctx, body),
        IPProtocol: protocol,
        loadBalancingScheme: scheme,
        networkTier: 'PREMIUM',
        labels,
        labelFingerprint: fingerprint(labels),
      };
    }
    if (body.target === undefined) throw new ApiError(400, 'required', "Required field 'resource.target' not specified");
    const target = existingLink(ctx, body.target, 'resource.target', 'targetPools');
    if (!['TCP', 'UDP'].includes(String(protocol))) throw invalid('resource.IPProtocol', protocol, 'Must be TCP or UDP for a target pool.');
    const range = body.portRange;
    const m = typeof range === 'string' ? /^(\d+)(?:-(\d+))?$/.exec(range) : null;
    if (range !== undefined && (!m || Number(m[2] ?? m[1]) < Number(m[1]) || Number(m[2] ?? m[1]) > 65535)) throw invalid('resource.portRange', range, 'Expected PORT or PORT-PORT.');
    const ip = body.IPAddress === undefined ? undefined : reservedAddress(ctx, body.IPAddress);
    const labels = checkLabels(body.labels, 'resource.labels');
    return {
      ...(body.description === undefined ? {} : { description: body.description }),
      IPAddress: ip?.address ?? ctx.state.externalIp(),
      ...(ip ? { addressLink: ip.link } : {}),
      IPProtocol: protocol,
      ...(m ? { portRange: m[2] ? `${m[1]}-${m[2]}` : `${m[1]}-${m[1]}` } : {}),
      target,
      loadBalancingScheme: scheme,
      networkTier: body.networkTier ?? 'PREMIUM',
      labels,
      labelFingerprint: fingerprint(labels),
      fingerprint: fingerprint([target]),
    };
  },
  /** `addressLink` is the fake's own bookkeeping, not an API field. */
  view(_ctx, _path, r) {
    const { addressLink: _, ...shown } = r;
    return shown as Json;
  },
  methods: {
    setLabels,
    setTarget(ctx, _path, r, body) {
      r.target = existingLink(ctx, body.target, 'target', 'targetPools');
      r.fingerprint = fingerprint([r.target]);
      return { operation: 'setTarget' };
    },
  },
};
