/**
 * A mirror in an object store (`s3://bucket/prefix`), written through the state store's own
 * backends, so the same endpoint, region and credentials settings apply.
 */

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { MirrorTarget } from './copy.js';

export function storeTarget(store: ObjectStore): MirrorTarget {
  return {
    url: store.url,
    async has(path, sha256) {
      const sum = await store.get(`${path}.sha256`);
      if (sum === undefined || Buffer.from(sum.body).toString('utf8').trim().split(/\s+/)[0] !== sha256) return false;
      return (await store.list(path)).includes(path);
    },
    async place(path, file, sha256) {
      // The object store takes whole bodies: the largest file (the Kubernetes server archive) is held in memory once.
      await store.put(path, await readFile(file));
      await store.put(`${path}.sha256`, `${sha256}  ${basename(path)}\n`);
    },
    close: () => store.close?.(),
  };
}
