/**
 * `zones/Z/instances`: read, label and delete. Instances come from managed groups; a deleted
 * member is made again by its group, as on GCE. Creating standalone instances is not covered.
 */

import type { Collection } from '../collection.js';
import { ApiError } from '../errors.js';
import { startDeleting } from '../migs.js';
import { setLabels } from './labels.js';

export const instances: Collection = {
  name: 'instances',
  kind: 'compute#instance',
  scope: 'zone',
  insert() {
    throw new ApiError(501, 'notImplemented', 'The fake makes instances through managed instance groups only.');
  },
  remove(ctx, path) {
    if (!ctx.state.managed.has(path)) {
      ctx.state.resources.delete(path);
      return undefined;
    }
    startDeleting(ctx.state, path);
    return () => !ctx.state.resources.has(path);
  },
  methods: { setLabels },
};
