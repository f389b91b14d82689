/**
 * Archive: a tar.gz asset, downloaded once into nodeup's cache, checked against the hash
 * pinned in nodeup.yaml (its sha256, or its sha512 where that is what was pinned), and extracted (some of its files, leading folders stripped) into a
 * folder. A download whose checksum differs fails the task with both checksums and is not
 * kept. What was extracted from which archive is recorded, so a rerun finds it in place.
 */

import { access, mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { extract } from 'tar';
import { HoistError } from '../../src/errors.js';
import type { LiveObject, ResolvedFields, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import { downloadTo, hashFile } from '../../src/assets/location.js';
import { hashOf } from '../../src/assets/catalog.js';
import type { AssetHash, HashAlgorithm } from '../../src/assets/catalog.js';
import type { NodeContext } from '../context.js';
import { CACHE_DIR, STATE_DIR, hostPath, tasksOf } from '../context.js';
import { readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

export interface ArchiveFields {
  /** Where to download it from. */
  readonly source: string;
  /** Pinned in nodeup.yaml: nodeup extracts nothing it cannot check. Empty when `sha512` pins it. */
  readonly sha256: string;
  /** Pinned instead of the sha256 where the project publishes only that (Kubernetes's tarballs). */
  readonly sha512?: string;
  readonly targetDir: string;
  /** Leading folders dropped from the archive's paths. */
  readonly strip: number;
  /** The file names to extract; nothing else is. */
  readonly files: readonly string[];
}

export const archiveTask = taskConstructor<ArchiveFields>('Archive');

const marker = (name: string) => `${STATE_DIR}/archives/${name}.json`;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export class ChecksumMismatchError extends HoistError {
  constructor(readonly url: string, readonly expected: string, readonly actual: string, readonly algorithm: HashAlgorithm = 'sha256') {
    super('CONFLICT', `${algorithm} mismatch for ${url}: expected ${expected}, got ${actual}`, {
      hint: 'the file at the asset location is not the one the cluster was planned with: restore it, or plan again (hoist update cluster --yes) if it changed on purpose',
    });
  }
}

const HEX = { sha256: /^[0-9a-f]{64}$/, sha512: /^[0-9a-f]{128}$/ } as const;

/** The archive in the cache, verified: downloaded unless a verified copy is there already. */
async function fetchVerified(ctx: NodeContext, source: string, pin: AssetHash): Promise<string> {
  const { algorithm, hex } = hashOf(pin);
  if (!HEX[algorithm].test(hex)) throw new HoistError('INVALID_SPEC', `no sha256 or sha512 is pinned for ${source}: nodeup downloads nothing it cannot check`, { hint: 'plan again with access to the asset repository: hoist update cluster --yes' });
  const cached = hostPath(ctx.root, `${CACHE_DIR}/${hex}.tar.gz`);
  if ((await exists(cached)) && (await hashFile(cached, algorithm)) === hex) return cached;
  const actual = await downloadTo(source, cached, algorithm);
  if (actual !== hex) {
    await rm(cached, { force: true });
    throw new ChecksumMismatchError(source, hex, actual, algorithm);
  }
  return cached;
}

export const ArchiveKind: TaskKind<NodeContext> = {
  kind: 'Archive',
  uses: ['Directory'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'Archive').map(async (t): Promise<LiveObject | undefined> => {
        const text = await readText(hostPath(ctx.root, marker(t.name)));
        if (text === undefined) return undefined;
        const record = JSON.parse(text) as ResolvedFields;
        const target = String(record.targetDir);
        const files = Array.isArray(record.files) ? (record.files as string[]) : [];
        // A file removed since extraction makes the archive differ, and so extracted again.
        const present = await Promise.all(files.map((f) => exists(hostPath(ctx.root, join(target, f)))));
        return { id: t.name, name: t.name, fields: { ...record, files: files.filter((_, i) => present[i]) }, outputs: { id: t.name } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    const d = fieldsOf<ArchiveFields>(desired);
    const file = await fetchVerified(ctx, d.source, d.sha512 ? { sha512: d.sha512 } : { sha256: d.sha256 });
    const target = hostPath(ctx.root, d.targetDir);
    const wanted = new Set(d.files);
    await mkdir(target, { recursive: true });
    await extract({ file, cwd: target, strip: d.strip, filter: (path) => wanted.has(basename(path)) });
    const missing: string[] = [];
    for (const f of wanted) if (!(await exists(join(target, f)))) missing.push(f);
    if (missing.length > 0) throw new HoistError('CONFLICT', `${d.source} does not hold ${missing.join(', ')}`);
    await writeAtomic(hostPath(ctx.root, marker(task.name)), `${JSON.stringify(desired)}\n`, '0644');
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  update(ctx, task, _live, desired) {
    return ArchiveKind.create(ctx, task, desired);
  },
  async delete() {
    // Never: see File.
  },
};
