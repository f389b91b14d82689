/**
 * The control plane grows 1 → 3 and shrinks 3 → 1 on the local cloud as a user does it (replace
 * the spec, `update cluster --yes`, `rolling-update cluster --yes`), with the real etcd: the
 * members join one at a time and leave through `member remove`, no key is lost, and the removed
 * members' volumes are kept.
 */

import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { etcdClient } from '../../nodeup/etcd/client.js';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import type { EtcdClusterReport } from '../../nodeup/etcd/status.js';
import { ROOT } from '../support/cli.js';
import type { RunResult } from '../support/cli.js';
import { ETCD_MEMBER_TAG } from '../../cloudup/local/volume-tags.js';
import type { EtcdWorld } from './support.js';
import { etcdWorld, waitHealthy } from './support.js';

const NAME = 'etcd-scale.k8s.local';
const KEYS = 200;
const FIRST = 'control-plane-local-a';
const ADDED = [
  { name: 'a-2', instanceGroup: 'control-plane-local-a-2' },
  { name: 'a-3', instanceGroup: 'control-plane-local-a-3' },
];
let w: EtcdWorld;
let creds: EtcdCredentials;
let bin = '';

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'hoist-scale-bin-'));
  await cp(join(ROOT, 'dist'), bin, { recursive: true });
  w = await etcdWorld(NAME, 1);
  await waitHealthy(w, 1);
  creds = await w.credentials();
  // The rolling updates drain through the Kubernetes API, as a user's would.
  await must('export', 'kubeconfig', NAME, '--admin');
  // Longer than waitHealthy's own bound, so that on a timeout it is waitHealthy that says what it saw.
}, 420_000);

afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
  if (w !== undefined) expect(await w.world.destroy()).toEqual([]);
});

function run(script: string, args: readonly string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * hoist as a user runs it, with the cluster's kubeconfig in the test's own folder. It runs a
 * copy of dist/ made when the file starts, so that a rebuild of dist/ during the minutes of
 * this file changes no step of it.
 */
async function must(...args: string[]): Promise<string> {
  const started = Date.now();
  const r = await run(join(bin, 'hoist.js'), args, { ...w.world.env, HOIST_NODEUP_BUNDLE: join(bin, 'nodeup.mjs'), KUBECONFIG: join(w.world.stateDir, 'kubeconfig') });
  if (r.code !== 0) expect.fail(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}\n${await etcdLogs()}`);
  if (Date.now() - started > 5_000) process.stdout.write(`etcd scale: hoist ${args.slice(0, 2).join(' ')} took ${Math.round((Date.now() - started) / 1000)} s\n`);
  return r.stdout;
}

/** The end of every machine's etcd logs, to show why a step failed. */
async function etcdLogs(): Promise<string> {
  const root = join(w.world.cloudDir, 'instances');
  const machines = await readdir(root).catch(() => []);
  const logs = await Promise.all(
    machines.flatMap((m) => ['main', 'events'].map(async (e) => {
      const text = await readFile(join(root, m, 'var', 'log', `etcd-${e}.log`), 'utf8').catch(() => '(no log)');
      return `--- ${m} etcd-${e}:\n${text.split('\n').slice(-8).join('\n')}`;
    })),
  );
  return logs.join('\n');
}

async function readSpec(): Promise<{ cluster: Cluster; igs: InstanceGroup[] }> {
  const cluster = parseAllDocuments(await must('get', 'cluster', NAME, '-o', 'yaml'))[0]!.toJS() as Cluster;
  const igs = parseAllDocuments(await must('get', 'ig', '--name', NAME, '-o', 'yaml')).map((d) => d.toJS() as InstanceGroup);
  return { cluster, igs };
}

async function replace(docs: readonly object[]): Promise<void> {
  const file = join(w.world.stateDir, 'spec.yaml');
  await writeFile(file, docs.map((d) => stringify(d)).join('---\n'));
  await must('replace', '-f', file, '--force');
}

const withMembers = (c: Cluster, members: readonly { name: string; instanceGroup: string }[]): Cluster => ({
  ...c,
  spec: { ...c.spec, etcdClusters: (c.spec.etcdClusters ?? []).map((e) => ({ ...e, etcdMembers: [...members] })) },
});

async function keysThrough(reports: readonly EtcdClusterReport[]): Promise<number> {
  const main = reports.find((r) => r.name === 'main')!;
  const client = await etcdClient(main.members.map((m) => m.clientUrl!), creds);
  try {
    return Object.keys(await client.getAll().prefix('scale/').strings()).length;
  } finally {
    client.close();
  }
}

describe('scaling the control plane 1 → 3 → 1', () => {
  it('grows to 3 members with every key, then shrinks to 1 keeping the keys and the removed members\' volumes', { timeout: 900_000 }, async () => {
    const [first] = (await w.status()).reports.find((r) => r.name === 'main')!.members;
    const loader = await etcdClient([first!.clientUrl!], creds);
    try {
      await Promise.all(Array.from({ length: KEYS }, (_, i) => loader.put(`scale/${String(i).padStart(3, '0')}`).value(`v${i}`)));
    } finally {
      loader.close();
    }

    // Grow: two new control-plane groups and their members, in one change.
    const { cluster, igs } = await readSpec();
    const template = igs.find((ig) => ig.metadata.name === FIRST)!;
    const added = ADDED.map((m) => ({ ...template, metadata: { ...template.metadata, name: m.instanceGroup } }));
    await replace([withMembers(cluster, [{ name: 'a', instanceGroup: FIRST }, ...ADDED]), ...added]);
    await must('update', 'cluster', NAME, '--yes');
    await must('rolling-update', 'cluster', NAME, '--yes', '--validation-timeout', '8m');
    const grown = await waitHealthy(w, 3);
    for (const r of grown) {
      expect(r.members.map((m) => m.name).sort()).toEqual(['a', 'a-2', 'a-3']);
      expect(r.members.filter((m) => m.leader)).toHaveLength(1);
    }
    expect(await keysThrough(grown)).toBe(KEYS);

    // Shrink: the spec keeps member a; the preview names who leaves, --yes removes them from etcd first.
    await replace([withMembers((await readSpec()).cluster, [{ name: 'a', instanceGroup: FIRST }])]);
    for (const m of ADDED) await must('delete', 'ig', m.instanceGroup, '--name', NAME, '--yes');
    expect(await must('update', 'cluster', NAME)).toContain('etcd members that left the spec: main/a-2, main/a-3, events/a-2, events/a-3');
    const shrunk = await must('update', 'cluster', NAME, '--yes');
    expect(shrunk).toContain('Removed from etcd before their machines go: main/a-2, main/a-3, events/a-2, events/a-3');
    await must('rolling-update', 'cluster', NAME, '--yes', '--validation-timeout', '8m');
    const one = await waitHealthy(w, 1);
    for (const r of one) {
      expect(r.members.map((m) => m.name)).toEqual(['a']);
      expect(r.leader).toBe('a');
    }
    expect(await keysThrough(one)).toBe(KEYS);
    const volumes = (await w.world.everything()).filter((r) => r.type === 'volumes').map((r) => (r.resource as { tags: Record<string, string> }).tags[ETCD_MEMBER_TAG]);
    expect(volumes.sort()).toEqual(['a', 'a', 'a-2', 'a-2', 'a-3', 'a-3']);
    // A later update keeps them too.
    expect(await must('update', 'cluster', NAME)).not.toMatch(/Volume\/a-[23]/);
  });
});
