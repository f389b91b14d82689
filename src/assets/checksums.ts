/**
 * Pinning: the sha256 of each asset is fixed when the cluster is planned and written into
 * nodeup.yaml; a node then trusts only that value, never the repository at download time.
 *
 * The value comes from the table of known checksums (known.ts) when the file is the upstream
 * release of a version hoist knows, so a default cluster plans without the network: its sha256,
 * or the sha512 that is all Kubernetes publishes of its tarballs outside dl.k8s.io (nodeup then
 * checks the download's sha512). Otherwise it
 * is read from where it is published: each project's own checksum file upstream, or the
 * `<file>.sha256` beside the file in a mirror.
 */

import { HoistError } from '../errors.js';
import type { AssetHash, AssetLocation, ChecksumSource, PinnedAsset } from './catalog.js';
import { knownFile } from './known.js';
import { readLocation } from './location.js';

export type ReadLocation = (url: string) => Promise<Buffer>;

const HEX64 = /^[0-9a-f]{64}$/;

function notChecksum(url: string, what: string, text: string): HoistError {
  return new HoistError('INVALID_SPEC', `${url}: ${what} (found ${JSON.stringify(text.slice(0, 40))})`, {
    hint: 'the asset repository must publish the sha256 of each file; check the repository (spec.assets.fileRepository) or its copy of this file',
  });
}

/**
 * A file holding one checksum: `<hex>` (dl.k8s.io's `.sha256`) or `<hex>  <file name>`
 * (sha256sum's format: containerd's `.sha256sum`, a mirror's `.sha256`).
 */
export function parseChecksumFile(text: string, url: string): string {
  const first = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!HEX64.test(first)) throw notChecksum(url, 'not a sha256 checksum file (expected 64 hex digits)', text);
  return first;
}

/**
 * The sha256 of `entry` in a list of sums, one `<hex>  <name>` line per file (`*<name>` in binary
 * mode): etcd's `SHA256SUMS`, Node.js's `SHASUMS256.txt`. Lines that are not sums (the PGP
 * armour of `SHASUMS256.txt.asc`, blank lines) are skipped.
 */
export function parseSumsList(text: string, entry: string, url: string): string {
  const matches = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m?.[2] === entry) matches.add(m[1]!.toLowerCase());
  }
  if (matches.size === 0) throw notChecksum(url, `has no sha256 line for ${entry}`, text);
  if (matches.size > 1) throw notChecksum(url, `has ${matches.size} different sha256 lines for ${entry}`, text);
  return [...matches][0]!;
}

/** Reads and parses the checksum that `source` publishes. */
export async function readChecksum(source: ChecksumSource, read: ReadLocation = readLocation): Promise<string> {
  const text = (await read(source.url)).toString('utf8');
  return source.entry === undefined ? parseChecksumFile(text, source.url) : parseSumsList(text, source.entry, source.url);
}

/**
 * The hash that pins one location: the known one for an upstream release file (its sha256, or
 * the sha512 its project publishes where hoist holds no sha256); else the sha256 published
 * beside it; a mirror missing its `.sha256` for a file hoist knows is pinned by the known value
 * (the mirror must then hold exactly the upstream file).
 */
export async function pinLocation(a: AssetLocation, read: ReadLocation = readLocation): Promise<AssetHash> {
  const known = knownPin(a);
  if (known !== undefined && a.upstream) return known;
  try {
    return { sha256: await readChecksum(a.checksum, read) };
  } catch (e) {
    if (known !== undefined && e instanceof HoistError && e.code === 'NOT_FOUND') return known;
    throw e;
  }
}

function knownPin(a: AssetLocation): AssetHash | undefined {
  const known = knownFile(a.name, a.version);
  if (known?.sha256 !== undefined) return { sha256: known.sha256 };
  if (known?.sha512 !== undefined) return { sha512: known.sha512 };
  return undefined;
}

export async function pinAssets(locations: readonly AssetLocation[], read: ReadLocation = readLocation): Promise<PinnedAsset[]> {
  return Promise.all(locations.map(async (a) => ({ ...a, ...(await pinLocation(a, read)) })));
}
