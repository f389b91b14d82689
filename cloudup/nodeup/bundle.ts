/**
 * The nodeup bundle: `dist/nodeup.mjs` of this hoist build, the one file a machine downloads at
 * boot and runs. A plan pins it by its sha256 (the boot script carries the hash, so a new bundle
 * makes new launch templates); `update cluster --yes` publishes it into the state store at
 * `<cluster>/nodeup/<sha256>/nodeup.mjs`, where machines read it with their own identity.
 *
 * Where it is: $HOIST_NODEUP_BUNDLE when set, else `dist/nodeup.mjs` of the hoist package this
 * module belongs to, found by walking up to the package (so the same code works from the CLI
 * bundle in dist/ and from the sources under a test runner; `npm test` builds first).
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HoistError } from '../../src/errors.js';
import { nodeupBundleKey } from '../../nodeup/config/keys.js';
import type { ObjectStore } from '../../state-store/object-store.js';

export interface NodeupBundle {
  /** The file on this machine. */
  readonly path: string;
  /** Of its bytes, in hex. */
  readonly sha256: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const MISSING_HINT = 'build it with: npm run build (or set HOIST_NODEUP_BUNDLE to a built nodeup.mjs)';

/** The path of the bundle this hoist publishes. */
export function nodeupBundlePath(env: Env): string {
  if (env.HOIST_NODEUP_BUNDLE) return resolve(env.HOIST_NODEUP_BUNDLE);
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isHoistPackage(join(dir, 'package.json'))) return join(dir, 'dist', 'nodeup.mjs');
    if (dirname(dir) === dir) break;
  }
  throw new HoistError('NOT_FOUND', `cannot find the hoist package above ${start}, whose dist/nodeup.mjs machines download at boot`, { hint: MISSING_HINT });
}

function isHoistPackage(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === 'hoist';
  } catch {
    return false;
  }
}

// Hashing 3 MB costs little, but a process that plans often (tests, rolling updates) needs it once.
const cache = new Map<string, { readonly stamp: string; readonly sha256: string }>();

/** The bundle and its hash; a missing bundle is refused with the fix. */
export async function nodeupBundle(env: Env): Promise<NodeupBundle> {
  const path = nodeupBundlePath(env);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new HoistError('NOT_FOUND', `the nodeup bundle ${path} is missing: every machine of a cluster downloads it at boot, so hoist cannot plan one without it`, { hint: MISSING_HINT });
  }
  const stamp = `${info.size}:${info.mtimeMs}`;
  const known = cache.get(path);
  if (known?.stamp === stamp) return { path, sha256: known.sha256 };
  const sha256 = (await recordedSha256(path, stamp)) ?? sha256Hex(await readFile(path));
  cache.set(path, { stamp, sha256 });
  return { path, sha256 };
}

/**
 * The hash the build wrote beside the bundle (`nodeup.mjs.sha256`: `<hex> <size>:<mtimeMs>`),
 * while the bundle still has that size and mtime: reading and hashing its 39 MB cost every
 * plan about 40 ms of CPU. A publish hashes the bytes it uploads anyway and refuses a mismatch.
 */
async function recordedSha256(path: string, stamp: string): Promise<string | undefined> {
  const record = await readFile(`${path}.sha256`, 'utf8').catch(() => '');
  const [sha256, recordedStamp] = record.trim().split(' ');
  return recordedStamp === stamp && sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256) ? sha256 : undefined;
}

function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Where machines read the bundle: its state-store URL. */
export function nodeupBundleUrl(stateStore: string, cluster: string, sha256: string): string {
  return `${stateStore.replace(/\/+$/, '')}/${nodeupBundleKey(cluster, sha256)}`;
}

/**
 * Writes the planned bundle into the store unless it is there already (its key names its hash,
 * so what is there is the same file). Returns the key when it was written. A bundle rebuilt
 * since the plan is refused: machines would be pinned to a hash that nothing holds.
 */
export async function publishNodeupBundle(store: ObjectStore, cluster: string, bundle: NodeupBundle): Promise<string | undefined> {
  const key = nodeupBundleKey(cluster, bundle.sha256);
  if ((await store.list(key)).includes(key)) return undefined;
  const body = await readFile(bundle.path).catch((e: unknown) => {
    throw new HoistError('NOT_FOUND', `the nodeup bundle ${bundle.path} is missing: ${e instanceof Error ? e.message : String(e)}`, { hint: MISSING_HINT });
  });
  const sha256 = sha256Hex(body);
  if (sha256 !== bundle.sha256) {
    throw new HoistError('CONFLICT', `the nodeup bundle ${bundle.path} changed since the plan (sha256 ${bundle.sha256}, now ${sha256}); nothing was changed in the cloud`, {
      hint: 'run the command again: the plan then pins the bundle as it is now',
    });
  }
  await store.put(key, body);
  return key;
}
