/** Network: a 127.x range of its own on the local cloud. */
import { taskConstructor } from '../../../src/engine/task.js';
import { localKind } from './resource-kind.js';

export interface NetworkFields {
  /** Inside 127.0.0.0/8. */
  readonly cidr: string;
}

export const networkTask = taskConstructor<NetworkFields>('Network');

export const networkKind = localKind<'networks', NetworkFields>({
  kind: 'Network',
  type: 'networks',
  uses: [],
  fields: (n) => ({ cidr: n.cidr }),
  outputs: (n) => ({ cidr: n.cidr }),
  body: (d) => ({ cidr: d.cidr }),
  immutable: ['cidr'],
});
