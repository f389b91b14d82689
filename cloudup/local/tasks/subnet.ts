/** Subnet: a part of the network's range in one zone. */
import { localKind } from './resource-kind.js';

export const subnetKind = localKind({
  kind: 'Subnet',
  type: 'subnets',
  uses: ['Network'],
  fields: (s) => ({ networkId: s.networkId, cidr: s.cidr, zone: s.zone }),
  outputs: (s) => ({ zone: s.zone, cidr: s.cidr }),
  body: (d) => ({ networkId: d.networkId, cidr: d.cidr, zone: d.zone }),
  immutable: ['networkId', 'cidr', 'zone'],
});
