/**
 * Checks the folder a file:// store is opened on before anything reads or writes it: a path that
 * is a file, or is below one, would otherwise read as an empty store, and a kernel file system
 * such as /proc takes no folders at all.
 */

import { stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Kernel file systems (Linux `statfs` magic numbers) whose folders hold no files of ours. */
const KERNEL_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, '/proc'],
  [0x62656572, '/sys'],
]);

/** Why `root` cannot be a state store's folder, or undefined when it can (or does not exist yet). */
export async function fileRootProblem(root: string): Promise<string | undefined> {
  for (let d = root; ; d = dirname(d)) {
    let isFolder: boolean;
    try {
      isFolder = (await stat(d)).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Missing folders are created by the first write; other errors are reported by it.
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(d) === d) return undefined;
      continue;
    }
    if (!isFolder) return d === root ? 'is a file, not a folder' : `is below ${d}, which is a file, not a folder`;
    const type = await statfs(d).then((s) => Number(s.type), () => undefined);
    const kernel = type === undefined ? undefined : KERNEL_FILE_SYSTEMS.get(type);
    if (kernel !== undefined) return `is on the kernel's ${kernel} file system, which cannot hold files of a state store`;
    return undefined;
  }
}
