import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/export-kubeconfig.js';
import { addKeysetItem, ensureClusterPKI } from '../../src/pki/index.js';
import { openStore } from '../../state-store/open.js';
import { hoist, tempDir } from '../support/cli.js';
import { certText, openssl, verify } from './support.js';

const NAME = 'demo.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let file: string;

beforeEach(async () => {
  dir = await tempDir('hoist-pki-cli-');
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: '', KUBECONFIG: '', HOME: join(dir.path, 'home'), USER: 'alice' };
  file = join(dir.path, 'kubeconfig');
  const r = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com'], { env });
  expect(r.code, r.stderr).toBe(0);
});
afterEach(async () => dir.cleanup());

async function withPKI(): Promise<void> {
  await ensureClusterPKI(await openStore(env.HOIST_STATE_STORE!), NAME);
}

const kubectlView = (path: string): { clusters: { name: string; cluster: Record<string, string> }[]; users: { name: string; user: Record<string, string> }[]; contexts: { name: string }[]; 'current-context': string } =>
  JSON.parse(execFileSync('kubectl', ['config', 'view', '--kubeconfig', path, '--raw', '-o', 'json'], { encoding: 'utf8' }));
const decode = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');

describe('get keypairs', () => {
  it('says how to create the PKI when there is none', async () => {
    const r = await hoist(['get', 'keypairs', '--name', NAME], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`No keypairs found for cluster ${NAME}: they are created by: hoist update cluster ${NAME} --yes`);
  });

  it('lists every item as NAME ID TYPE PRIMARY NOT-AFTER', async () => {
    await withPKI();
    await addKeysetItem(await openStore(env.HOIST_STATE_STORE!), NAME, 'kubernetes-ca');
    const r = await hoist(['get', 'keypairs', '--name', NAME], { env });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'ID', 'TYPE', 'PRIMARY', 'NOT-AFTER']);
    expect(rows.slice(1).map((row) => [row[0], row[2], row[3]])).toEqual([
      ['apiserver-aggregator-ca', 'CA', 'true'],
      ['etcd-clients-ca', 'CA', 'true'],
      ['etcd-peers-ca', 'CA', 'true'],
      ['kubernetes-ca', 'CA', 'true'],
      ['kubernetes-ca', 'CA', 'false'],
      ['service-account', 'ServiceAccountKey', 'true'],
    ]);
    expect(rows[1]?.[4]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rows[6]?.[4]).toBe('-');
    const one = await hoist(['get', 'keypair', 'service-account', '--name', NAME], { env });
    expect(one.stdout.trim().split('\n')).toHaveLength(2);
  });

  it.each(['table', 'yaml', 'json'])('never shows a private key (-o %s)', async (format) => {
    await withPKI();
    const r = await hoist(['get', 'keypairs', '--name', NAME, '-o', format], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/PRIVATE KEY|privateKey|BEGIN EC/);
    if (format === 'json') {
      const list = JSON.parse(r.stdout);
      expect(list.kind).toBe('List');
      expect(list.items.map((k: { metadata: { name: string } }) => k.metadata.name)).toContain('kubernetes-ca');
      expect(list.items[0].spec.items[0].certificate).toContain('BEGIN CERTIFICATE');
    }
    if (format === 'yaml') {
      const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
      expect(docs.map((d) => [d.kind, d.metadata.name])).toEqual([
        ['Keyset', 'apiserver-aggregator-ca'],
        ['Keyset', 'etcd-clients-ca'],
        ['Keyset', 'etcd-peers-ca'],
        ['Keyset', 'kubernetes-ca'],
        ['Keyset', 'service-account'],
      ]);
    }
  });

  it('names a missing keypair and a missing cluster', async () => {
    await withPKI();
    const missing = await hoist(['get', 'keypairs', 'nope', '--name', NAME], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`keypair nope not found in cluster ${NAME}`);
    const noCluster = await hoist(['get', 'keypairs', '--name', 'other.example.com'], { env });
    expect(noCluster.code).toBe(1);
    expect(noCluster.stderr).toContain('cluster other.example.com not found');
  });
});

describe('export kubeconfig', () => {
  it('says to run update cluster first when there is no PKI', async () => {
    const r = await hoist(['export', 'kubeconfig', NAME, '--admin', '--kubeconfig', file], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the PKI of cluster ${NAME} does not exist yet`);
    expect(r.stderr).toContain(`hoist update cluster ${NAME} --yes`);
  });

  it('--admin writes a file kubectl loads, with a system:masters certificate valid for the duration', async () => {
    await withPKI();
    const before = Date.now();
    const r = await hoist(['export', 'kubeconfig', NAME, '--admin=2h', '--kubeconfig', file], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`kubeconfig for ${NAME} written to ${file} (context ${NAME})\n`);
    expect(r.stderr).toMatch(/admin certificate \(group system:masters\) valid until \d{4}-/);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const view = kubectlView(file);
    expect(view['current-context']).toBe(NAME);
    expect(view.clusters).toEqual([{ name: NAME, cluster: expect.objectContaining({ server: 'https://api.demo.example.com' }) }]);
    const ca = decode(view.clusters[0]?.cluster['certificate-authority-data']);
    const cert = decode(view.users[0]?.user['client-certificate-data']);
    const key = decode(view.users[0]?.user['client-key-data']);
    expect(verify(dir.path, ca, cert, 'admin')).toMatch(/: OK$/);
    const text = certText(cert);
    expect(text).toMatch(/Subject: O ?= ?system:masters, CN ?= ?admin:alice\n/);
    expect(text).toContain('TLS Web Client Authentication');
    const notAfter = Date.parse(openssl(['x509', '-noout', '-enddate'], cert).trim().replace('notAfter=', ''));
    expect(notAfter).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 2 * 3_600_000);
    expect(notAfter).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
    expect(openssl(['pkey', '-pubout'], key)).toBe(openssl(['x509', '-noout', '-pubkey'], cert));
  });

  it('defaults --admin to 18h and takes a cluster name given right after --admin', async () => {
    await withPKI();
    const r = await hoist(['export', 'kubeconfig', '--admin', NAME, '--kubeconfig', file], { env });
    expect(r.code, r.stderr).toBe(0);
    const cert = decode(kubectlView(file).users[0]?.user['client-certificate-data']);
    const notAfter = Date.parse(openssl(['x509', '-noout', '-enddate'], cert).trim().replace('notAfter=', ''));
    expect(Math.abs(notAfter - (Date.now() + 18 * 3_600_000))).toBeLessThan(60_000);
  });

  it('merges into an existing kubeconfig, keeping its other clusters, users and contexts', async () => {
    await withPKI();
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: "https://other:6443"}\ncontexts:\n- name: other\n  context: {cluster: other, user: bob}\nusers:\n- name: bob\n  user: {token: abc}\ncurrent-context: other\n',
    );
    const r = await hoist(['export', 'kubeconfig', NAME, '--admin=30m', '--kubeconfig', file], { env });
    expect(r.code, r.stderr).toBe(0);
    // kubectl loads the merged file (and lists entries sorted by name).
    const view = kubectlView(file);
    expect(view.clusters.map((c) => c.name)).toEqual([NAME, 'other']);
    expect(view.contexts.map((c) => c.name)).toEqual([NAME, 'other']);
    expect(view.users.map((u) => u.name)).toEqual(['bob', NAME]);
    expect(view.users[0]?.user).toEqual({ token: 'abc' });
    expect(view['current-context']).toBe(NAME);
    // The file keeps the existing entries first, in their order.
    const written = parse(readFileSync(file, 'utf8'));
    expect(written.clusters.map((c: { name: string }) => c.name)).toEqual(['other', NAME]);
  });

  it('without --admin writes a user without credentials and says so; later keeps credentials it finds', async () => {
    await withPKI();
    const bare = await hoist(['export', 'kubeconfig', NAME, '--kubeconfig', file], { env });
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toContain(`warning: no credentials were written for user ${NAME}`);
    expect(parse(readFileSync(file, 'utf8')).users).toEqual([{ name: NAME, user: {} }]);

    await hoist(['export', 'kubeconfig', NAME, '--admin', '--kubeconfig', file], { env });
    const again = await hoist(['export', 'kubeconfig', NAME, '--kubeconfig', file], { env });
    expect(again.stderr).toContain(`kept the credentials of user ${NAME}`);
    expect(kubectlView(file).users[0]?.user['client-key-data']).toBeTruthy();
  });

  it('--internal points at api.internal; --user reuses a user; the file comes from $KUBECONFIG or ~/.kube/config', async () => {
    await withPKI();
    const viaEnv = join(dir.path, 'env-config');
    const r = await hoist(['export', 'kubeconfig', NAME, '--internal', '--user', 'bob'], { env: { ...env, KUBECONFIG: `${viaEnv}:${join(dir.path, 'second')}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: user bob is not in ${viaEnv}`);
    const view = kubectlView(viaEnv);
    expect(view.clusters[0]?.cluster.server).toBe('https://api.internal.demo.example.com');
    expect(view.contexts).toEqual([{ name: NAME, context: { cluster: NAME, user: 'bob' } }]);

    const home = await hoist(['export', 'kubeconfig', '--name', NAME], { env });
    expect(home.code, home.stderr).toBe(0);
    expect(home.stdout).toContain(`written to ${join(env.HOME!, '.kube', 'config')}`);
  });

  it('refuses bad flags and a missing cluster', async () => {
    await withPKI();
    const bad = await hoist(['export', 'kubeconfig', NAME, '--admin=soon', '--kubeconfig', file], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--admin: "soon" is not a duration');
    const both = await hoist(['export', 'kubeconfig', NAME, '--admin', '--user', 'x', '--kubeconfig', file], { env });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('cannot be combined with --admin');
    const none = await hoist(['export', 'kubeconfig', 'other.example.com', '--kubeconfig', file], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('cluster other.example.com not found');
  });
});

describe('parseDuration', () => {
  it('reads Go-style durations with days', () => {
    expect(parseDuration('18h')).toBe(18 * 3_600_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('1h30m15s')).toBe(5_415_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    for (const bad of ['', '18', 'h', '-1h', '1w', '1h ', 'soon']) expect(parseDuration(bad)).toBeUndefined();
  });
});
