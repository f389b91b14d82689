/**
 * create, get and delete sshpublickey on a folder state store: the key lands in spec.sshPublicKey
 * as a revision, its fingerprint is the one the real ssh-keygen prints, and a private key or a
 * second key name is refused without changing anything.
 */

import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

const NAME = 'ssh.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let keyFile: string;
const run = (...args: string[]) => hoist([...args, '--name', NAME], { env });

beforeAll(async () => {
  dir = await tempDir('hoist-sshkey-');
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: '' };
  keyFile = join(dir.path, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@example', '-f', keyFile]);
  expect((await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com'], { env })).code).toBe(0);
});
afterAll(async () => dir.cleanup());

describe('sshpublickey', () => {
  it('creates, shows and deletes the cluster key as spec revisions', async () => {
    const none = await run('get', 'sshpublickeys');
    expect(none.stderr).toContain(`No SSH public key in cluster ${NAME}`);
    const created = await run('create', 'sshpublickey', '-i', `${keyFile}.pub`);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^sshpublickey\/admin set \(revision 2\): SHA256:/);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${keyFile}.pub`], { encoding: 'utf8' }).split(' ')[1];
    const table = await run('get', 'sshpublickeys');
    expect(table.stdout.split('\n')[1]?.split(/\s+/)).toEqual(['admin', 'ssh-ed25519', fingerprint, 'alice@example']);
    const json = JSON.parse((await run('get', 'sshpublickey', 'admin', '-o', 'json')).stdout) as { fingerprint: string; key: string }[];
    expect(json.map((k) => k.fingerprint)).toEqual([fingerprint]);
    const spec = JSON.parse((await run('get', 'cluster', NAME, '-o', 'json')).stdout) as { spec: { sshPublicKey?: string } };
    expect(spec.spec.sshPublicKey).toBe((await readFile(`${keyFile}.pub`, 'utf8')).trim());

    expect((await run('delete', 'sshpublickey')).stdout).toContain('Run again with --yes to remove it.');
    const deleted = await run('delete', 'sshpublickey', '--yes');
    expect(deleted.stdout).toContain('sshpublickey/admin deleted from the spec (revision 3)');
    expect((await run('get', 'cluster', NAME, '-o', 'json')).stdout).not.toContain('sshPublicKey');
    const again = await run('delete', 'sshpublickey', '--yes');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`cluster ${NAME} has no SSH public key`);
  });

  it('refuses a private key and a second key name, with the fix and no change', async () => {
    const before = await treeDigest(join(dir.path, 'state'));
    const priv = await run('create', 'sshpublickey', '-i', keyFile);
    expect(priv.code).toBe(1);
    expect(priv.stderr).toMatch(/spec\.sshPublicKey: .* is not an SSH public key/);
    expect(priv.stderr).not.toMatch(/\n\s+at /);
    const named = await run('create', 'sshpublickey', 'bob', '-i', `${keyFile}.pub`);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('a cluster has one SSH key, named admin');
    const missing = await run('create', 'sshpublickey');
    expect(missing.stderr).toContain('-i ~/.ssh/id_ed25519.pub');
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);
  });
});
