/** Where the kubeconfig is, as kubectl finds it, and writing it without ever exposing keys. */

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { HoistError } from '../errors.js';

export interface KubeconfigPathInput {
  /** `--kubeconfig FILE`. */
  readonly flag?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** `--kubeconfig`, else the first path of $KUBECONFIG, else ~/.kube/config (HOME from `env`). */
export function kubeconfigPath(input: KubeconfigPathInput): string {
  if (input.flag !== undefined && input.flag !== '') return resolve(input.cwd, input.flag);
  const first = (input.env['KUBECONFIG'] ?? '').split(delimiter).find((p) => p !== '');
  if (first !== undefined) return resolve(input.cwd, first);
  const home = input.env['HOME'] || homedir();
  return join(home, '.kube', 'config');
}

/** The file's text, or undefined when it does not exist. */
export async function readKubeconfigFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError('read', path, e);
  }
}

/**
 * Replaces the file atomically (a reader sees the old file or the new one) with mode 0600 from
 * its first byte, since it may hold a private key. A symlinked kubeconfig is written through.
 */
export async function writeKubeconfigFile(path: string, text: string): Promise<string> {
  let target = path;
  try {
    target = await realpath(path);
  } catch {
    // does not exist yet
  }
  const tmp = join(dirname(target), `.${randomBytes(6).toString('hex')}.kubeconfig-tmp`);
  try {
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
    // The umask cannot widen 0600, but an odd one could narrow it below what kubectl needs.
    await chmod(tmp, 0o600);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw fileError('write', target, e);
  }
  return target;
}

function fileError(verb: string, path: string, e: unknown): HoistError {
  const reason = e instanceof Error ? e.message : String(e);
  return new HoistError('INVALID_FLAG', `could not ${verb} the kubeconfig ${path}: ${reason}`, { cause: e, hint: 'choose another file with --kubeconfig FILE' });
}
