/**
 * The host's etcd, packed into the local mirror as the etcd release archive of the version it
 * reports (`etcd-v3.4.23-linux-amd64.tar.gz`, laid out as upstream: `etcd-v<version>-linux-amd64/`
 * with `etcd` and `etcdctl`), so that the local cloud's control-plane machines run the real
 * etcd. Found as `$HOIST_ETCD_BINARY` (`none` turns it off) or `etcd` on the PATH. A host
 * without etcdctl gets the stand-in etcdctl in the archive, which only prints its version.
 * Where no etcd is installed, or it reports another version than the cluster asks for, the
 * mirror holds the stand-in etcd, as before.
 */

import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { create } from 'tar';
import type { AssetSource } from '../../../src/assets/catalog.js';
import { standInProgram } from './programs.js';

const run = promisify(execFile);
const EPOCH = new Date('2000-01-01T00:00:00Z');

export interface HostEtcd {
  readonly path: string;
  readonly version: string;
  readonly etcdctl?: string;
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

let cached: Promise<HostEtcd | undefined> | undefined;

/** The host's etcd and the version it reports; undefined when there is none. */
export function hostEtcd(env: NodeJS.ProcessEnv = process.env): Promise<HostEtcd | undefined> {
  cached ??= (async () => {
    if (env.HOIST_ETCD_BINARY === 'none') return undefined;
    const path = env.HOIST_ETCD_BINARY || (await onPath('etcd', env));
    if (path === undefined) return undefined;
    try {
      const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
      const version = /etcd Version:\s*v?(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
      if (version === undefined) return undefined;
      const etcdctl = await onPath('etcdctl', env);
      return { path, version, ...(etcdctl ? { etcdctl } : {}) };
    } catch {
      return undefined;
    }
  })();
  return cached;
}

/** What `local-cloud status` and the docs call the etcd the local cloud's machines run. */
export async function describeLocalEtcd(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const etcd = await hostEtcd(env);
  return etcd === undefined
    ? 'stand-in (no etcd installed: apt-get install -y etcd-server)'
    : `real etcd ${etcd.version} (${etcd.path}) for clusters at etcd ${etcd.version}; stand-in for other versions`;
}

/**
 * Builds the etcd archive of `source` from the host's etcd at `dest`, when the host's etcd is
 * that version; false when it is not (the caller builds the stand-in).
 */
export async function buildHostEtcdArchive(source: AssetSource, dest: string): Promise<boolean> {
  if (source.name !== 'etcd') return false;
  const etcd = await hostEtcd();
  if (etcd === undefined || etcd.version !== source.version) return false;
  const staging = await mkdtemp(join(dirname(dest), '.staging-'));
  try {
    const top = `etcd-v${source.version}-linux-amd64`;
    await mkdir(join(staging, top), { recursive: true });
    await copyFile(etcd.path, join(staging, top, 'etcd'));
    if (etcd.etcdctl) await copyFile(etcd.etcdctl, join(staging, top, 'etcdctl'));
    else await writeFile(join(staging, top, 'etcdctl'), standInProgram('etcdctl', source.version));
    await writeFile(join(staging, top, 'README.md'), `etcd ${source.version}, packed by hoist from ${etcd.path} for the local cloud's mirror.\n`);
    const files = ['etcd', 'etcdctl', 'README.md'].map((f) => `${top}/${f}`);
    for (const f of files) {
      await chmod(join(staging, f), f.endsWith('.md') ? 0o644 : 0o755);
      await utimes(join(staging, f), EPOCH, EPOCH);
    }
    const partial = `${dest}.partial-${process.pid}`;
    await create({ gzip: true, cwd: staging, file: partial, portable: true, mtime: EPOCH }, files);
    await rename(partial, dest);
    return true;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
