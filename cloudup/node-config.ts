/**
 * The hash of an instance group's node configuration, carried in the machines' boot
 * configuration: a change of it changes the instance template, hence marks machines out of date.
 */

import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { CompletedSpec } from '../src/api/index.js';

export function nodeConfigHashes(spec: CompletedSpec): (ig: string) => string {
  const hashes = new Map(
    spec.instanceGroups.map((ig) => {
      const { rollingUpdate: _cluster, ...cluster } = spec.cluster.spec;
      // Sizes and roll settings do not change what a machine runs; the machine type and image are
      // fields of the instance template themselves.
      const { rollingUpdate: _group, minSize: _min, maxSize: _max, machineType: _type, image: _image, ...group } = ig.spec;
      const text = stringify({ cluster, group }) ?? '';
      return [ig.metadata.name, `sha256:${createHash('sha256').update(text).digest('hex')}`];
    }),
  );
  return (ig) => hashes.get(ig) ?? '';
}
