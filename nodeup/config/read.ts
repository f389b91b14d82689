/** Reads this machine's nodeup.yaml and refuses it unless it is exactly the one the machine was launched for. */

import { parse } from 'yaml';
import { HoistError } from '../../src/errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { BootConfig } from './boot.js';
import { hashText } from './hash.js';
import { nodeupConfigKey } from './keys.js';
import { NodeupConfigSchema } from './schema.js';
import type { NodeupConfig } from './schema.js';

export class ConfigHashMismatchError extends HoistError {
  constructor(readonly key: string, readonly expected: string, readonly actual: string) {
    super('CONFLICT', `${key} has hash ${actual}, but this machine was launched for ${expected}: refusing a configuration it was not launched for`, {
      hint: 'the configuration changed after the machine was launched: it is out of date and will be replaced by a rolling update (or run hoist update cluster --yes if the write was lost)',
    });
  }
}

export async function readNodeupConfig(store: ObjectStore, boot: BootConfig): Promise<{ config: NodeupConfig; hash: string }> {
  const key = nodeupConfigKey(boot.cluster, boot.instanceGroup);
  const found = await store.get(key);
  if (found === undefined) {
    throw new HoistError('NOT_FOUND', `${key} is not in the state store ${store.url}`, { hint: 'hoist update cluster --yes writes it' });
  }
  const text = Buffer.from(found.body).toString('utf8');
  const hash = hashText(text);
  if (hash !== boot.configHash) throw new ConfigHashMismatchError(key, boot.configHash, hash);
  const parsed = NodeupConfigSchema.safeParse(parse(text, { maxAliasCount: 0 }));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new HoistError('STORE', `${key} is not a nodeup configuration this nodeup reads: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`, {
      hint: 'a newer hoist wrote it? run nodeup of the same version as hoist update cluster',
    });
  }
  if (parsed.data.cluster !== boot.cluster || parsed.data.instanceGroup !== boot.instanceGroup) {
    throw new HoistError('STORE', `${key} is for ${parsed.data.instanceGroup} of ${parsed.data.cluster}`);
  }
  return { config: parsed.data, hash };
}
