/** The stand-in asset mirror of the local cloud (see docs/nodeup.md, "Stand-ins"). */

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AssetSource } from '../../../src/assets/catalog.js';
import { ensureStandInMirror } from './mirror.js';
import { ensureNodeRuntime } from './node-runtime.js';
import type { LocalNodeRuntime } from './node-runtime.js';
import { standInProgram } from './programs.js';

export { archiveContents, buildStandInArchive, ensureStandInMirror } from './mirror.js';
export { standInProgram } from './programs.js';
export { ensureNodeRuntime, nodeRelease } from './node-runtime.js';
export type { LocalNodeRuntime } from './node-runtime.js';

/**
 * A folder per generation of the stand-in programs: a hoist whose stand-ins changed writes a
 * new mirror (and so new checksums) instead of mixing with archives of an older one.
 */
export function standInGeneration(): string {
  const programs = ['kubelet', 'kube-proxy', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'containerd', 'kubectl'];
  const hash = createHash('sha256');
  for (const p of programs) hash.update(standInProgram(p, '0.0.0'));
  return hash.digest('hex').slice(0, 12);
}

/** Ensures the stand-in mirror below `base` (the local cloud's `assets/` folder) and returns its URL. */
export function ensureLocalMirror(base: string, sources: readonly AssetSource[]): Promise<string> {
  return ensureStandInMirror(join(base, `stand-ins-${standInGeneration()}`), sources);
}

/** Ensures the Node.js runtime archive (the host's node) in the same mirror, and returns it. */
export function ensureLocalNodeRuntime(base: string): Promise<LocalNodeRuntime> {
  return ensureNodeRuntime(join(base, `stand-ins-${standInGeneration()}`));
}
