/** `setLabels`, the same on every labelled resource: all labels at once, guarded by a fingerprint. */

import type { Method } from '../collection.js';
import { conditionNotMet, required } from '../errors.js';
import { fingerprint } from '../migs.js';
import { checkLabels } from '../validate.js';

export const setLabels: Method = (_ctx, _path, r, body) => {
  if (body.labelFingerprint === undefined) throw required('labelFingerprint');
  if (body.labelFingerprint !== r.labelFingerprint) throw conditionNotMet('Labels fingerprint either invalid or resource labels have changed');
  r.labels = checkLabels(body.labels ?? {}, 'labels');
  r.labelFingerprint = fingerprint(r.labels);
  return { operation: 'setLabels' };
};
