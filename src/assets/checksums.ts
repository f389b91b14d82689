/**
 * Pinning: the checksum of each asset is read from its location (`<url>.sha256`, as release
 * buckets publish them) when the cluster is planned, and written into nodeup.yaml. A node then
 * trusts only that pinned value, never the repository at download time.
 */

import { HoistError } from '../errors.js';
import type { AssetLocation, PinnedAsset } from './catalog.js';
import { readLocation } from './location.js';

export type ReadLocation = (url: string) => Promise<Buffer>;

/** `<hex>` or `<hex>  <file name>` (sha256sum's format). */
export function parseChecksumFile(text: string, url: string): string {
  const first = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(first)) {
    throw new HoistError('INVALID_SPEC', `${url}: not a sha256 checksum file (expected 64 hex digits, found ${JSON.stringify(text.slice(0, 40))})`);
  }
  return first;
}

export async function pinAssets(locations: readonly AssetLocation[], read: ReadLocation = readLocation): Promise<PinnedAsset[]> {
  return Promise.all(
    locations.map(async (a) => {
      const url = `${a.url}.sha256`;
      return { ...a, sha256: parseChecksumFile((await read(url)).toString('utf8'), url) };
    }),
  );
}
