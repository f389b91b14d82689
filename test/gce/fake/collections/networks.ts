/** `global/networks`: VPC networks; custom mode when autoCreateSubnetworks is false. */

import type { Collection } from '../collection.js';
import { inUse, invalid } from '../errors.js';
import { link } from '../links.js';
import { nicNetworks, usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { optionalString } from '../validate.js';

function routingConfig(body: Json): Json {
  const mode = (body.routingConfig as Json | undefined)?.routingMode ?? 'REGIONAL';
  if (mode !== 'REGIONAL' && mode !== 'GLOBAL') throw invalid('resource.routingConfig.routingMode', mode, 'Must be REGIONAL or GLOBAL.');
  return { routingMode: mode };
}

export const networks: Collection = {
  name: 'networks',
  kind: 'compute#network',
  scope: 'global',
  insert(_ctx, body) {
    optionalString(body, 'description', 'resource.description');
    if (body.IPv4Range !== undefined) throw invalid('resource.IPv4Range', body.IPv4Range, 'Legacy networks cannot be created any more.');
    const mtu = body.mtu === undefined ? 1460 : Number(body.mtu);
    if (!Number.isInteger(mtu) || mtu < 1300 || mtu > 8896) throw invalid('resource.mtu', body.mtu, 'Must be between 1300 and 8896.');
    return {
      ...(body.description === undefined ? {} : { description: body.description }),
      autoCreateSubnetworks: body.autoCreateSubnetworks === true,
      routingConfig: routingConfig(body),
      mtu,
      networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
    };
  },
  view(ctx, path, r) {
    return { ...r, subnetworks: usersOf(ctx, path, [['subnetworks', (s) => [s.network]]]).map(link) };
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [
      ['subnetworks', (s) => [s.network]],
      ['firewalls', (f) => [f.network]],
      ['instances', nicNetworks],
      ['forwardingRules', (f) => [f.network]],
      ['routers', (r) => [r.network]],
    ]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
  patch(_ctx, _path, r, body) {
    return body.routingConfig === undefined ? r : { ...r, routingConfig: routingConfig(body) };
  },
};
