/**
 * KeyPair: the SSH key the machines accept. Desired: `keyName`, `publicKeyMaterial` (the OpenSSH
 * public key; ImportKeyPair), `tags`. The key name carries a hash of the key, so a new key is a
 * new key pair and the launch templates move to it.
 */

import { DeleteKeyPairCommand, ImportKeyPairCommand } from '@aws-sdk/client-ec2';
import { hasName } from '../errors.js';
import { listKeyPairs } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import { awsKind, changedFields, map, str } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export const keyPairKind = awsKind({
  kind: 'KeyPair',
  uses: [],
  immutable: ['keyName', 'publicKeyMaterial'],
  list: async (ctx) =>
    (await listKeyPairs(ctx)).map((k) => ({
      ...liveObject(ctx, k, k.item.KeyPairId ?? k.item.KeyName!, tagMap(k.item.Tags), { keyName: k.item.KeyName!, publicKeyMaterial: (k.item.PublicKey ?? '').trim() }),
      outputs: { id: k.item.KeyName!, keyPairId: k.item.KeyPairId ?? '' },
    })),
  async create(ctx, _task, d) {
    const keyName = str(d, 'keyName');
    try {
      await ctx.clients.ec2.send(
        new ImportKeyPairCommand({ KeyName: keyName, PublicKeyMaterial: new TextEncoder().encode(str(d, 'publicKeyMaterial')), TagSpecifications: tagSpec('key-pair', map(d, 'tags')) }),
      );
    } catch (e) {
      // The name holds the key's hash: a key pair of this name is this key.
      if (!hasName(e, 'InvalidKeyPair.Duplicate')) throw e;
    }
    return { ...liveObject(ctx, { owner: 'hoist' }, keyName, map(d, 'tags'), { keyName, publicKeyMaterial: str(d, 'publicKeyMaterial') }), outputs: { id: keyName } };
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, map(d, 'tags'), liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteKeyPairCommand({ KeyName: str(live.fields, 'keyName') }));
  },
});
