/** `regions/R/forwardingRules`: external TCP forwarding to a target pool, on a reserved address. */

import type { Collection, Ctx } from '../collection.js';
import { ApiError, invalid } from '../errors.js';
import { fingerprint } from '../migs.js';
import { existingLink } from '../refs.js';
import type { Json } from '../validate.js';
import { checkLabels, optionalString } from '../validate.js';
import { setLabels } from './labels.js';

/** The reserved address of the rule's region that holds `ip` (an IP or a link to the address). */
function reservedAddress(ctx: Ctx, ip: unknown): { address: string; link: string } {
  if (typeof ip === 'string' && /^(https?:|projects\/|regions\/)/.test(ip)) {
    const url = existingLink(ctx, ip, 'resource.IPAddress', 'addresses');
    const r = ctx.state.mustGet(url.replace(/^.*\/compute\/v1\//, ''));
    return { address: String(r.address), link: url };
  }
  const scope = `projects/${ctx.project}/regions/${ctx.scope.name}/addresses`;
  const found = ctx.state.list(scope).find((a) => a.address === ip);
  if (!found) throw invalid('resource.IPAddress', ip, 'The address is not a reserved address of this region.');
  return { address: String(found.address), link: String(found.selfLink) };
}

export const forwardingRules: Collection = {
  name: 'forwardingRules',
  kind: 'compute#forwardingRule',
  scope: 'region',
  insert(ctx, body) {
    optionalString(body, 'description', 'resource.description');
    const scheme = body.loadBalancingScheme ?? 'EXTERNAL';
    if (scheme !== 'EXTERNAL') throw invalid('resource.loadBalancingScheme', scheme, 'Only EXTERNAL rules are covered by the fake.');
    if (body.target === undefined) throw new ApiError(400, 'required', "Required field 'resource.target' not specified");
    const target = existingLink(ctx, body.target, 'resource.target', 'targetPools');
    const protocol = body.IPProtocol ?? 'TCP';
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
