/** Network: a 127.x range of its own on the local cloud. */
import { localKind } from './resource-kind.js';

export const networkKind = localKind({
  kind: 'Network',
  type: 'networks',
  uses: [],
  fields: (n) => ({ cidr: n.cidr }),
  outputs: (n) => ({ cidr: n.cidr }),
  body: (d) => ({ cidr: d.cidr }),
  immutable: ['cidr'],
});
