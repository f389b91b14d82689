/**
 * One request for reads that are in flight at the same time: a command's parts read the same
 * objects at once (the spec and the history each read the latest revision; the addons and the
 * node configurations each read the addon channel), and a second `get` of a key, or `list` of a
 * prefix, that starts while the first is still waiting shares its answer. Both began before
 * either ended, so the shared answer is one either could have had. A write or delete through this
 * store ends the sharing of what it touches: a read that starts after it sends its own request.
 */

import type { ListedObject, ObjectStore, StoredObject } from './object-store.js';

export function coalesceReads(store: ObjectStore): ObjectStore {
  const gets = new Map<string, Promise<StoredObject | undefined>>();
  const lists = new Map<string, Promise<string[]>>();
  const listsWithEtags = new Map<string, Promise<ListedObject[]>>();

  const shared = <T>(inFlight: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    const found = inFlight.get(key);
    if (found !== undefined) return found;
    const started: Promise<T> = read().finally(() => {
      if (inFlight.get(key) === started) inFlight.delete(key);
    });
    inFlight.set(key, started);
    return started;
  };
  const forget = (key: string): void => {
    gets.delete(key);
    for (const listed of [lists, listsWithEtags]) for (const prefix of [...listed.keys()]) if (key.startsWith(prefix)) listed.delete(prefix);
  };
  // Each caller gets its own array: callers sort and reverse what they list.
  const listWithEtags = store.listWithEtags?.bind(store);
  return {
    url: store.url,
    get: (key) => shared(gets, key, () => store.get(key)),
    list: async (prefix) => [...(await shared(lists, prefix, () => store.list(prefix)))],
    ...(listWithEtags === undefined ? {} : { listWithEtags: async (prefix: string) => [...(await shared(listsWithEtags, prefix, () => listWithEtags(prefix)))] }),
    async put(key, body, condition) {
      forget(key);
      try {
        return await store.put(key, body, condition);
      } finally {
        forget(key);
      }
    },
    async delete(key, condition) {
      forget(key);
      try {
        await store.delete(key, condition);
      } finally {
        forget(key);
      }
    },
    ...(store.close === undefined ? {} : { close: () => store.close?.() }),
  };
}
