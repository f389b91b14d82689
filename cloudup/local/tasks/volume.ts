/** Volume: an etcd member's data disk (a folder on the local cloud). */
import { localKind } from './resource-kind.js';

export const volumeKind = localKind({
  kind: 'Volume',
  type: 'volumes',
  uses: [],
  fields: (v) => ({ zone: v.zone, sizeGb: v.sizeGb, volumeType: v.volumeType }),
  body: (d) => ({ ...d }),
  immutable: ['zone', 'volumeType'],
});
