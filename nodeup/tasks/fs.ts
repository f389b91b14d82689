/** File helpers of the node task kinds: reads that treat "missing" as an answer, atomic writes. */

import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** The permission bits as `0644`, or undefined when there is nothing at `path`. */
export async function modeOf(path: string): Promise<string | undefined> {
  try {
    return formatMode((await stat(path)).mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** Writes through a temporary file and a rename: a reader (or a crash) never sees half a file. */
export async function writeAtomic(path: string, content: string | Uint8Array, mode: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.nodeup-${process.pid}`;
  await writeFile(partial, content, { mode: Number.parseInt(mode, 8) });
  // The mode given to writeFile is masked by the umask.
  await chmod(partial, Number.parseInt(mode, 8));
  await rename(partial, path);
}
