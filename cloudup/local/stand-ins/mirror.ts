/**
 * The local cloud's asset mirror: stand-in archives laid out exactly like a real mirror
 * (`<repository>/<asset path>` and `<asset path>.sha256`), in a folder that instances read
 * through `file://` URLs. Archives are built reproducibly (sorted entries, fixed times, no
 * owners), so the same hoist version always makes the same checksums. An archive already
 * present is left as it is: the mirror is a repository, and a test may corrupt a file in it
 * on purpose to see a node refuse it.
 */

import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create } from 'tar';
import type { AssetName, AssetSource } from '../../../src/assets/catalog.js';
import { buildHostEtcdArchive } from './etcd-host.js';
import { standInProgram } from './programs.js';

const EPOCH = new Date('2000-01-01T00:00:00Z');

/** The files of each archive: path inside the archive, and the program it holds. */
export function archiveContents(name: AssetName, version: string): { readonly path: string; readonly program: string }[] {
  const list = (dir: string, programs: readonly string[]) => programs.map((p) => ({ path: `${dir}/${p}`, program: p }));
  switch (name) {
    case 'kubernetes-node':
      return list('kubernetes/node/bin', ['kube-proxy', 'kubectl', 'kubelet']);
    case 'kubernetes-server':
      return list('kubernetes/server/bin', ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl']);
    case 'etcd':
      return list(`etcd-v${version}-linux-amd64`, ['etcd', 'etcdctl']);
    case 'containerd':
      return list('bin', ['containerd', 'containerd-shim-runc-v2', 'ctr']);
  }
}

/** Builds the reproducible archive of one asset at `dest`. */
export async function buildStandInArchive(source: AssetSource, dest: string): Promise<void> {
  const staging = await mkdtemp(join(dirname(dest), '.staging-'));
  try {
    const files = archiveContents(source.name, source.version);
    for (const f of files) {
      const path = join(staging, f.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, standInProgram(f.program, source.version));
      await chmod(path, 0o755);
      await utimes(path, EPOCH, EPOCH);
    }
    const partial = `${dest}.partial-${process.pid}`;
    await create({ gzip: true, cwd: staging, file: partial, portable: true, mtime: EPOCH }, files.map((f) => f.path).sort());
    await rename(partial, dest);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Makes sure `dir` holds every asset of `sources` with its `.sha256`, and returns the
 * repository URL to put in front of the asset paths.
 */
export async function ensureStandInMirror(dir: string, sources: readonly AssetSource[]): Promise<string> {
  for (const source of sources) {
    const archive = join(dir, source.path);
    const sum = `${archive}.sha256`;
    if (await exists(sum)) continue;
    await mkdir(dirname(archive), { recursive: true });
    if (!(await buildHostEtcdArchive(source, archive))) await buildStandInArchive(source, archive);
    const hex = createHash('sha256').update(await readFile(archive)).digest('hex');
    const partial = `${sum}.partial-${process.pid}`;
    await writeFile(partial, `${hex}  ${source.path.split('/').pop() ?? ''}\n`);
    await rename(partial, sum);
  }
  return pathToFileURL(dir).href;
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}
