/**
 * Decoding stored spec objects with the spec API: the YAML is parsed and every field validated,
 * as when a user gives it, so that an object changed outside hoist is refused with its problems.
 */

import { parseStoredText } from '../src/api/index.js';
import { HoistError } from '../src/errors.js';
import type { Decode } from './spec-read.js';

export const decodeChecked: Decode = (key, body, kind) => {
  const docs = parseStoredText(Buffer.from(body).toString('utf8'), key);
  const doc = docs[0];
  if (docs.length !== 1 || doc?.kind !== kind) {
    throw new HoistError('STORE', `${key} in the state store does not hold one ${kind}`, {
      hint: 'restore it from history (hoist history cluster, hoist rollback cluster --to REV)',
    });
  }
  return doc.object;
};
