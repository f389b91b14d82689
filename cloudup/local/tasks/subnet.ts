/** Subnet: a part of the network's range in one zone. */
import { taskConstructor } from '../../../src/engine/task.js';
import { localKind } from './resource-kind.js';

export interface SubnetFields {
  /** The network's id (a Ref to its task). */
  readonly networkId: string;
  readonly cidr: string;
  readonly zone: string;
}

export const subnetTask = taskConstructor<SubnetFields>('Subnet');

export const subnetKind = localKind<'subnets', SubnetFields>({
  kind: 'Subnet',
  type: 'subnets',
  uses: ['Network'],
  fields: (s) => ({ networkId: s.networkId, cidr: s.cidr, zone: s.zone }),
  outputs: (s) => ({ zone: s.zone, cidr: s.cidr }),
  body: (d) => ({ networkId: d.networkId, cidr: d.cidr, zone: d.zone }),
  immutable: ['networkId', 'cidr', 'zone'],
});
