/** Volume: an etcd member's data disk (a folder on the local cloud). */
import { taskConstructor } from '../../../src/engine/task.js';
import { localKind } from './resource-kind.js';

export interface VolumeFields {
  readonly zone: string;
  readonly sizeGb: number;
  readonly volumeType: string;
}

export const volumeTask = taskConstructor<VolumeFields>('Volume');

export const volumeKind = localKind<'volumes', VolumeFields>({
  kind: 'Volume',
  type: 'volumes',
  uses: [],
  fields: (v) => ({ zone: v.zone, sizeGb: v.sizeGb, volumeType: v.volumeType }),
  body: (d) => ({ ...d }),
  immutable: ['zone', 'volumeType'],
});
