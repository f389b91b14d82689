/** KeyPair → `aws_key_pair`. Its `id` to hoist is the key's name, which carries a hash of the key. */

import type { KeyPairFields } from '../tasks/key-pair.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const keyPairRenderer: AwsTfRenderer = {
  kind: 'KeyPair',
  render(task, ctx) {
    const d = fieldsOf<KeyPairFields>(task);
    return resource('aws_key_pair', { key_name: ctx.value(d.keyName), public_key: ctx.value(d.publicKeyMaterial), tags: ctx.value(d.tags) }, { id: 'key_name', keyPairId: 'key_pair_id' });
  },
};
