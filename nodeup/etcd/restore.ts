/**
 * Restoring a snapshot into one member's data dir, as a member of a new cluster made of the
 * same members: `etcdctl snapshot restore` (etcd 3.4; `etcdutl` from 3.5) checks the hash etcd
 * appends to a streamed snapshot, drops the old membership, and writes a WAL whose first entries
 * add exactly the members given. Every member restores the same snapshot with the same
 * `--initial-cluster` and token, then they start together. A data dir that exists is moved
 * aside first (`<data-dir>.before-restore-<id>`), never deleted: a restore can be undone by hand.
 */

import { execFile } from 'node:child_process';
import { access, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HoistError } from '../../src/errors.js';

const run = promisify(execFile);

export interface RestoreMemberInput {
  readonly snapshot: Uint8Array;
  readonly backupId: string;
  readonly member: string;
  readonly peerUrl: string;
  /** `name=peerURL,…` of every member. */
  readonly initialCluster: string;
  readonly token: string;
  readonly dataDir: string;
  /** The etcdctl of the etcd release the member runs. */
  readonly etcdctl: string;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/** Returns where the old data went, if there was any. */
export async function restoreDataDir(input: RestoreMemberInput): Promise<{ movedAside?: string }> {
  const tmp = await mkdtemp(join(tmpdir(), 'hoist-etcd-restore-'));
  try {
    const file = join(tmp, 'snapshot.db');
    await writeFile(file, input.snapshot, { mode: 0o600 });
    let movedAside: string | undefined;
    if (await exists(input.dataDir)) {
      movedAside = `${input.dataDir}.before-restore-${input.backupId}`;
      if (await exists(movedAside)) await rm(movedAside, { recursive: true, force: true });
      await rename(input.dataDir, movedAside);
    }
    const args = ['snapshot', 'restore', file, `--name=${input.member}`, `--initial-cluster=${input.initialCluster}`, `--initial-cluster-token=${input.token}`, `--initial-advertise-peer-urls=${input.peerUrl}`, `--data-dir=${input.dataDir}`];
    try {
      await run(input.etcdctl, args, { env: { ...process.env, ETCDCTL_API: '3' } });
    } catch (e) {
      const err = e as { stderr?: string; code?: string };
      if (movedAside !== undefined) {
        await rm(input.dataDir, { recursive: true, force: true });
        await rename(movedAside, input.dataDir);
      }
      const why = err.code === 'ENOENT' ? `${input.etcdctl} is not installed` : (err.stderr ?? String(e)).trim().split('\n').slice(-1)[0];
      throw new HoistError('ABORTED', `etcd member ${input.member}: restoring backup ${input.backupId} failed (${why}); its data dir is as it was`, {
        hint: err.code === 'ENOENT' ? 'etcdctl ships in the etcd release archive (Debian: apt-get install etcd-client)' : 'see the message above',
      });
    }
    return movedAside === undefined ? {} : { movedAside };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
