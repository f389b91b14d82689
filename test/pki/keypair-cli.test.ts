/**
 * create, promote and distrust keypair on a cluster's keysets in a folder state store: what each
 * prints, what it refuses (with the fix, no stack), and that a refusal changes nothing.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureClusterPKI } from '../../src/pki/index.js';
import { openStore } from '../../state-store/open.js';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

const NAME = 'keys.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
const run = (...args: string[]) => hoist([...args, '--name', NAME], { env });

interface Listed {
  readonly id: string;
  readonly primary: boolean;
  readonly distrusted: boolean;
}
async function items(keyset: string, ...flags: string[]): Promise<Listed[]> {
  const r = await run('get', 'keypairs', keyset, '-o', 'json', ...flags);
  expect(r.code, r.stderr).toBe(0);
  const k = JSON.parse(r.stdout) as { spec: { primaryId: string; items: { id: string; distrustedAt?: string }[] } };
  return k.spec.items.map((i) => ({ id: i.id, primary: i.id === k.spec.primaryId, distrusted: i.distrustedAt !== undefined }));
}

beforeEach(async () => {
  dir = await tempDir('hoist-keypair-cli-');
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: '', KUBECONFIG: '', HOME: dir.path };
  const r = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com'], { env });
  expect(r.code, r.stderr).toBe(0);
});
afterEach(async () => dir.cleanup());

describe('keypair commands', () => {
  it('refuse a cluster without keysets, saying how they are made', async () => {
    const r = await run('create', 'keypair', 'kubernetes-ca');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cluster ${NAME} has no keypairs yet`);
    expect(r.stderr).toContain(`hoist update cluster ${NAME} --yes`);
  });

  it('add, promote and distrust on every keyset with all', async () => {
    await ensureClusterPKI(await openStore(env.HOIST_STATE_STORE!), NAME);
    const created = await run('create', 'keypair', 'all');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim().split('\n').map((l) => l.split(':')[0])).toEqual(['kubernetes-ca', 'etcd-peers-ca', 'etcd-clients-ca', 'apiserver-aggregator-ca', 'service-account']);
    const promoted = await run('promote', 'keypair', 'all');
    expect(promoted.code, promoted.stderr).toBe(0);
    const distrusted = await run('distrust', 'keypair', 'all');
    expect(distrusted.code, distrusted.stderr).toBe(0);
    expect(distrusted.stdout).toMatch(/^service-account: distrusted \S+$/m);
    for (const keyset of ['kubernetes-ca', 'service-account']) {
      expect(await items(keyset)).toEqual([{ id: expect.any(String), primary: true, distrusted: false }]);
      expect((await items(keyset, '--distrusted')).map((i) => [i.primary, i.distrusted])).toEqual([[false, true], [true, false]]);
    }
    const table = await run('get', 'keypairs', 'kubernetes-ca', '--distrusted');
    expect(table.stdout.split('\n')[0]?.split(/\s+/)).toEqual(['NAME', 'ID', 'TYPE', 'PRIMARY', 'DISTRUSTED', 'NOT-AFTER']);
    expect(table.stdout).toMatch(/kubernetes-ca\s+\S+\s+CA\s+false\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s/);
    // Nothing older than the primary is left trusted.
    expect((await run('distrust', 'keypair', 'kubernetes-ca')).stdout).toBe('kubernetes-ca: nothing to distrust\n');
  });

  it('refuse bad names and steps with the fix, change nothing, and show no stack', async () => {
    await ensureClusterPKI(await openStore(env.HOIST_STATE_STORE!), NAME);
    const [primary] = await items('kubernetes-ca');
    const before = await treeDigest(dir.path);
    const cases: [string[], RegExp][] = [
      [['create', 'keypair', 'no-such-ca'], /cluster keys\.example\.com has no keyset "no-such-ca"[\s\S]*use one of: all, apiserver-aggregator-ca, etcd-clients-ca/],
      [['promote', 'keypair', 'kubernetes-ca'], /has no item to promote: its only trusted item \S+ is already primary[\s\S]*hoist create keypair kubernetes-ca/],
      [['promote', 'keypair', 'kubernetes-ca', 'ffff'], /keyset kubernetes-ca has no item ffff[\s\S]*hoist get keypairs kubernetes-ca --distrusted/],
      [['distrust', 'keypair', 'kubernetes-ca', primary!.id], /is the primary of keyset kubernetes-ca and cannot be distrusted[\s\S]*hoist promote keypair kubernetes-ca/],
      [['distrust', 'keypair', 'all', primary!.id], /name items of one keyset, not of all/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await treeDigest(dir.path)).toBe(before);
  });
});
