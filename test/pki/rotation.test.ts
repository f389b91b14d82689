/**
 * The CA rotation procedure of docs/pki.md, run end to end on the local cloud with one control
 * plane and one node: a new kubernetes-ca is added, the machines are replaced so that they trust
 * it, it is promoted, the machines are replaced so that everything is re-issued from it, the old
 * CA is distrusted and the machines are replaced once more. The real kubectl is run between
 * every step, and must work each time without a retry.
 */

import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, removeDir } from '../apiserver/support.js';
import { localWorld } from '../cli/local-support.js';
import type { LocalWorld } from '../cli/local-support.js';
import { hoist, hoistProcess } from '../support/cli.js';

const NAME = 'rotate.k8s.local';
const CA = 'kubernetes-ca';
let world: LocalWorld | undefined;
let dir: string;
let kubeconfig: string;
const timings: string[] = [];

/** The commands that touch machines run as the bundled executable; the quick ones in-process. */
const SLOW = new Set(['update', 'rolling-update', 'validate']);
const run = async (...args: string[]) => {
  const started = Date.now();
  const r = await (SLOW.has(args[0] ?? '') ? hoistProcess : hoist)(args, { env: world?.env ?? {} });
  timings.push(`${((Date.now() - started) / 1000).toFixed(1)} s  hoist ${args.join(' ')}`);
  if (r.code !== 0) throw new Error(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};

/**
 * kubectl get nodes, once, with no retry. (A replaced machine's Node may still be listed for a
 * while after a roll, so the count is at least the two machines, not exactly.)
 */
async function kubectlWorks(file = kubeconfig): Promise<void> {
  // One request, no retry; its timeout is for a loaded machine, where the API server may take seconds to answer.
  const r = await kubectl(file, dir, ['get', 'nodes', '--request-timeout=30s', '-o', 'name']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(2);
}

interface KeysetView {
  spec: { primaryId: string; items: { id: string; certificate: string; distrustedAt?: string }[] };
}
const keyset = async (...flags: string[]): Promise<KeysetView> => {
  // One keyset prints as itself, several as a List.
  return JSON.parse((await run('get', 'keypairs', CA, '--name', NAME, '-o', 'json', ...flags)).stdout) as KeysetView;
};

/** The CA certificates a kubeconfig trusts, by serial. */
async function trustedSerials(file: string): Promise<string[]> {
  const config = parse(await readFile(file, 'utf8')) as { clusters: { cluster: { 'certificate-authority-data': string } }[] };
  const pem = Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString('utf8');
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c).serialNumber.toLowerCase());
}

/** The serial of the CA that signed the kubeconfig's client certificate. */
async function clientIssuer(file: string, serials: readonly { id: string; certificate: string }[]): Promise<string | undefined> {
  const config = parse(await readFile(file, 'utf8')) as { users: { user: { 'client-certificate-data': string } }[] };
  const cert = new X509Certificate(Buffer.from(config.users[0]!.user['client-certificate-data'], 'base64'));
  return serials.find((s) => cert.verify(new X509Certificate(s.certificate).publicKey))?.id;
}

/** Replaces both machines (the control plane first), draining through the cluster's API. */
async function roll(): Promise<void> {
  const r = await run('rolling-update', 'cluster', NAME, '--yes', '--force', '--kubeconfig', kubeconfig, '--validate-count', '1');
  expect(r.stdout).toContain('Rolling update completed: 2 instance(s) replaced');
}

beforeAll(async () => {
  const etcdVersion = /etcd Version:\s*(\d+\.\d+\.\d+)/.exec(execFileSync('etcd', ['--version'], { encoding: 'utf8' }))?.[1];
  if (etcdVersion === undefined) throw new Error('no etcd on this machine: apt-get install -y etcd-server');
  dir = await mkdtemp(join(tmpdir(), 'hoist-rotation-'));
  world = await localWorld();
  await run('create', 'cluster', NAME, '--control-plane-count', '1', '--node-count', '1');
  // The machine runs the real etcd only at the host's version.
  const spec = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: { etcdClusters: { version?: string }[] } };
  for (const c of spec.spec.etcdClusters) c.version = etcdVersion;
  await writeFile(join(dir, 'cluster.yaml'), stringify(spec));
  await run('replace', '-f', join(dir, 'cluster.yaml'));
  await run('update', 'cluster', NAME, '--yes');
  kubeconfig = join(dir, 'kubeconfig');
  await run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
  // Two machines boot here; on two cores shared with three other files that can take minutes.
  await run('validate', 'cluster', NAME, '--wait', '300s', '--kubeconfig', kubeconfig);
}, 420_000);

afterAll(async () => {
  if (world !== undefined) expect(await world.destroy()).toEqual([]);
  await removeDir(dir);
  // Where the time went, for whoever makes this file faster.
  process.stderr.write(`${timings.join('\n')}\n`);
});

describe('rotating kubernetes-ca with the documented procedure', () => {
  it('issues, promotes and distrusts a new CA while kubectl keeps working', { timeout: 900_000 }, async () => {
    await kubectlWorks();
    const original = join(dir, 'kubeconfig-original');
    await copyFile(kubeconfig, original);
    const old = (await keyset()).spec.primaryId;

    // 1. A new CA beside the old one; every machine is replaced so that it trusts both.
    const created = await run('create', 'keypair', CA, '--name', NAME);
    const fresh = /created item (\S+)/.exec(created.stdout)![1]!;
    const added = await keyset();
    expect(added.spec.primaryId).toBe(old);
    expect(added.spec.items.map((i) => i.id)).toEqual([old, fresh]);
    // Machines read the keysets when they boot: nothing else to apply before replacing them.
    await roll();
    await kubectlWorks();
    // A kubeconfig exported now trusts both CAs; its certificate is still the old CA's.
    await run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
    expect(await trustedSerials(kubeconfig)).toEqual([old, fresh]);
    expect(await clientIssuer(kubeconfig, added.spec.items)).toBe(old);
    await kubectlWorks();

    // 2. Promote: a certificate of the new CA is accepted before any machine is replaced again.
    await run('promote', 'keypair', CA, '--name', NAME);
    expect((await keyset()).spec.primaryId).toBe(fresh);
    await run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
    expect(await clientIssuer(kubeconfig, added.spec.items)).toBe(fresh);
    await kubectlWorks();
    // The workers' credentials (kube-proxy's certificate, the kubelet's bootstrap token) are
    // issued again from the new primary.
    await run('update', 'cluster', NAME, '--yes');
    await kubectlWorks();
    await roll();
    await kubectlWorks();

    // 3. Distrust the old CA and replace the machines once more.
    const distrusted = await run('distrust', 'keypair', CA, '--name', NAME);
    expect(distrusted.stdout).toBe(`${CA}: distrusted ${old}\n`);
    expect((await keyset()).spec.items.map((i) => i.id)).toEqual([fresh]);
    expect((await keyset('--distrusted')).spec.items.map((i) => [i.id, i.distrustedAt !== undefined])).toEqual([[old, true], [fresh, false]]);
    await kubectlWorks();
    await roll();
    await kubectlWorks();
    await run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
    // Only the new CA is trusted now, and the servers present certificates of it.
    expect(await trustedSerials(kubeconfig)).toEqual([fresh]);
    await kubectlWorks();

    // The first kubeconfig (old CA's certificate, old CA's trust) is refused now.
    const refused = await kubectl(original, dir, ['get', 'nodes', '--request-timeout=10s']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/certificate signed by unknown authority|Unauthorized|must be logged in/);
  });
});
