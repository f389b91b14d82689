/**
 * OS packages. On a real Debian or Ubuntu host nodeup installs them with apt; under `--root`
 * (the local cloud, tests) it cannot, so it records each package as skipped, with a note.
 */

import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { STATE_DIR, hostPath } from '../context.js';

const run = promisify(execFile);

export interface PackageManager {
  readonly kind: 'apt' | 'recorded';
  installed(name: string): Promise<boolean>;
  install(name: string): Promise<void>;
}

export function apt(): PackageManager {
  return {
    kind: 'apt',
    async installed(name) {
      try {
        const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', name]);
        return stdout.includes('install ok installed');
      } catch {
        return false;
      }
    },
    async install(name) {
      await run('apt-get', ['install', '-y', '--no-install-recommends', name], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    },
  };
}

export const SKIPPED_NOTE = 'not installed: nodeup runs under --root, where it manages no OS packages';

export function recordedPackages(root: string): PackageManager {
  const file = (name: string) => hostPath(root, `${STATE_DIR}/packages/${name}`);
  return {
    kind: 'recorded',
    async installed(name) {
      try {
        await readFile(file(name));
        return true;
      } catch {
        return false;
      }
    },
    async install(name) {
      await mkdir(dirname(file(name)), { recursive: true });
      await writeFile(file(name), `${name}: ${SKIPPED_NOTE}\n`);
    },
  };
}
