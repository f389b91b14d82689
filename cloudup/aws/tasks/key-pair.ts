/**
 * KeyPair: the SSH key the machines accept (ImportKeyPair). The key name carries a hash of the key, so a new key is a
 * new key pair and the launch templates move to it.
 */

import { DeleteKeyPairCommand, ImportKeyPairCommand } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import { hasName } from '../errors.js';
import { listKeyPairs } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields, liveFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface KeyPairFields {
  readonly keyName: string;
  /** The OpenSSH public key. */
  readonly publicKeyMaterial: string;
  readonly tags: TagMap;
}

export const keyPairTask = taskConstructor<KeyPairFields>('KeyPair');

export const keyPairKind = awsKind<KeyPairFields>({
  kind: 'KeyPair',
  uses: [],
  immutable: ['keyName', 'publicKeyMaterial'],
  list: async (ctx) =>
    (await listKeyPairs(ctx)).map((k) => ({
      ...liveObject(ctx, k, k.item.KeyPairId ?? k.item.KeyName!, tagMap(k.item.Tags), { keyName: k.item.KeyName!, publicKeyMaterial: (k.item.PublicKey ?? '').trim() }),
      outputs: { id: k.item.KeyName!, keyPairId: k.item.KeyPairId ?? '' },
    })),
  async create(ctx, _task, d) {
    const keyName = d.keyName;
    try {
      await ctx.clients.ec2.send(
        new ImportKeyPairCommand({ KeyName: keyName, PublicKeyMaterial: new TextEncoder().encode(d.publicKeyMaterial), TagSpecifications: tagSpec('key-pair', d.tags) }),
      );
    } catch (e) {
      // The name holds the key's hash: a key pair of this name is this key.
      if (!hasName(e, 'InvalidKeyPair.Duplicate')) throw e;
    }
    return { ...liveObject(ctx, { owner: 'hoist' }, keyName, d.tags, { keyName, publicKeyMaterial: d.publicKeyMaterial }), outputs: { id: keyName } };
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, d.tags, liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteKeyPairCommand({ KeyName: liveFields<KeyPairFields>(live).keyName }));
  },
});
