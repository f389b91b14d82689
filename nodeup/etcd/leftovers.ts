/**
 * An etcd member left running by a machine agent that was killed outright (SIGKILL gives the
 * supervisor no chance to stop it) still holds the member's ports and data: it is stopped, by
 * its PID, before the member starts again. Found through /proc: a process of this machine's
 * root (its working directory) running this member's etcd.
 */

import { readFile, readdir, readlink } from 'node:fs/promises';
import { resolve } from 'node:path';

export async function leftoverEtcdPids(root: string, member: string, dataDir: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const want = resolve(root);
  const pids: number[] = [];
  await Promise.all(
    entries.filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid).map(async (e) => {
      try {
        const [cwd, cmdline] = await Promise.all([readlink(`/proc/${e}/cwd`), readFile(`/proc/${e}/cmdline`, 'utf8')]);
        const args = cmdline.split('\0');
        if (cwd !== want || !(args[0] ?? '').endsWith('/etcd')) return;
        if (args.includes(`--name=${member}`) && args.includes(`--data-dir=${dataDir.replace(/^\/+/, '')}`)) pids.push(Number(e));
      } catch {
        // gone, or not ours to read
      }
    }),
  );
  return pids;
}

/** SIGKILL, then waits (up to 5 s) until each is gone. */
export async function stopLeftovers(pids: readonly number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 5_000;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
