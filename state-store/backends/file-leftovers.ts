/**
 * What a killed file:// writer leaves behind, and how it is cleared.
 *
 * A write goes through a temp file named after its writer (`<name>.<host>-<pid>-<random>.hoist-tmp`);
 * a writer killed before the rename leaves it, and one killed while breaking a mutex leaves a
 * `.hoist-stale` file. The first write of a process to a folder removes those whose writer is a
 * dead process of this host, or that are older than a write can take (their writer cannot be
 * probed), and breaks abandoned mutexes as a writer of their key would. Listings never show them.
 */

import { createHash, randomBytes } from 'node:crypto';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { breakIfStale } from './file-mutex.js';
import { hostName, isProcessAlive } from './process-info.js';

/** Age after which a helper file of a writer that cannot be probed is taken as abandoned. */
const ABANDONED_MS = 60_000;
const TEMP = /\.([0-9a-f]{8})-(\d+)-[0-9a-f]+\.hoist-tmp$/;

let tag: string | undefined;

/** A short, name-safe digest of this host's name (host names may hold dots and dashes). */
function hostTag(): string {
  tag ??= createHash('sha256').update(hostName()).digest('hex').slice(0, 8);
  return tag;
}

export function tempPath(path: string): string {
  return `${path}.${hostTag()}-${process.pid}-${randomBytes(6).toString('hex')}.hoist-tmp`;
}

/** Removes the abandoned helper files of `dir`. Best effort: it never fails the write that calls it. */
export async function removeLeftovers(dir: string, mutexStaleMs: number | undefined): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      try {
        if (name.endsWith('.hoist-lock')) await breakIfStale(path, mutexStaleMs);
        else if (name.endsWith('.hoist-tmp') || name.endsWith('.hoist-stale')) {
          if (await abandoned(name, path)) await unlink(path);
        }
      } catch {
        // Gone already, or taken by another process: either way not ours to report.
      }
    }),
  );
}

async function abandoned(name: string, path: string): Promise<boolean> {
  const owner = TEMP.exec(name);
  if (owner && owner[1] === hostTag()) {
    const pid = Number(owner[2]);
    return pid !== process.pid && !isProcessAlive(pid);
  }
  return Date.now() - (await stat(path)).mtimeMs > ABANDONED_MS;
}
