/**
 * Rolling updates on the local cloud: every machine is replaced, the sampled cluster never has
 * more unready nodes than maxUnavailable nor a control plane below quorum (also with
 * --cloudonly), a roll killed halfway finishes when run again without replacing any machine
 * twice, and a roll whose lock is broken stops instead of rolling on beside another.
 */

import { spawn } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance, InstanceTemplate } from '../../cloudup/local/api-types.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import type { LocalCloudClient } from '../../cloudup/local/client.js';
import { HOIST_BIN, hoistProcess } from '../support/cli.js';
import type { LocalWorld } from './local-support.js';
import { localWorld } from './local-support.js';

const NAME = 'roll.k8s.local';
let world: LocalWorld;
let client: LocalCloudClient;
let kubeconfig = '';
const run = (...args: string[]) => hoistProcess(args, { env: world.env });

beforeAll(async () => {
  world = await localWorld();
  expect((await run('create', 'cluster', NAME, '--network-cidr', '127.103.0.0/16', '--control-plane-count', '3', '--node-count', '2', '--kubernetes-version', '1.35.0')).code).toBe(0);
  const applied = await run('update', 'cluster', NAME, '--yes');
  expect(applied.code, applied.stderr).toBe(0);
  // A roll drains each machine through the cluster's Kubernetes API, by the context export writes
  // (given to the rolls only: validate cluster keeps to the cloud's checks here).
  kubeconfig = join(world.cloudDir, 'kubeconfig');
  const exported = await run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
  expect(exported.code, exported.stderr).toBe(0);
  client = await connectLocalCloud({ env: { ...process.env, ...world.env }, autoStart: false });
  const valid = await run('validate', 'cluster', NAME, '--wait', '60s', '-o', 'json');
  expect(valid.code, valid.stdout).toBe(0);
});
afterAll(async () => {
  expect(await world.destroy()).toEqual([]);
});

async function changeVersion(version: string): Promise<void> {
  const yaml = (await run('get', 'cluster', NAME, '-o', 'yaml')).stdout;
  expect((await hoistProcess(['replace', '-f', '-'], { env: world.env, stdin: yaml.replace(/kubernetesVersion: .*/, `kubernetesVersion: ${version}`) })).code).toBe(0);
  // A minor down through update cluster rolls the control plane first, which the version guards
  // refuse (a kubelet newer than the API server); this test is about the roll, not the order.
  const applied = await run('update', 'cluster', NAME, '--yes', '--allow-version-skew');
  expect(applied.code, applied.stderr).toBe(0);
}

const live = async () => (await client.list('instances')).filter((i) => i.state !== 'terminated' && i.tags['hoist.dev/cluster'] === NAME);

/** Samples the cluster every 50 ms: ready nodes and ready control-plane machines. */
function sampler() {
  const samples: { nodesReady: number; planeReady: number }[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const instances = await live();
      const ready = (role: string) => instances.filter((i) => i.tags['hoist.dev/role'] === role && i.state === 'running' && i.healthy).length;
      samples.push({ nodesReady: ready('node'), planeReady: ready('control-plane') });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { samples, stop: async () => ((stop = true), await loop) };
}

async function hashes(instances: readonly Instance[]): Promise<string[]> {
  const templates = new Map((await client.list('instanceTemplates')).map((t: InstanceTemplate) => [t.id, t]));
  return instances.map((i) => /configHash: (\S+)/.exec(templates.get(i.templateId)!.versions.find((v) => v.version === i.templateVersion)!.userData)![1]!);
}

describe('rolling-update cluster', () => {
  it('replaces every machine after a version change, within maxUnavailable and quorum', { timeout: 240_000 }, async () => {
    const before = await live();
    const oldHashes = new Set(await hashes(before));
    await changeVersion('1.34.0');
    const listed = JSON.parse((await run('get', 'instances', '--name', NAME, '-o', 'json')).stdout) as { needsUpdate: boolean; updateReason?: string; state: string }[];
    expect(listed.filter((i) => i.state === 'running').every((i) => i.needsUpdate && /^template version 1 \(group at 2\)$/.test(i.updateReason ?? ''))).toBe(true);
    const preview = await run('rolling-update', 'cluster', NAME);
    expect(preview.stdout).toMatch(/^NAME\s+STATUS\s+NEEDUPDATE\s+READY\s+MIN\s+TARGET\s+MAX/);
    expect(preview.stdout).toMatch(/nodes-local-a\s+NeedsUpdate\s+2\s+2\s+2\s+2\s+2/);

    const watch = sampler();
    const rolled = await run('rolling-update', 'cluster', NAME, '--yes', '--kubeconfig', kubeconfig, '--validate-count', '1');
    await watch.stop();
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('Rolling update completed: 5 instance(s) replaced');
    // Bastions, then the control plane one at a time, then nodes.
    expect(rolled.stderr.indexOf('control-plane-local-a-3: 1 of 1 replaced')).toBeLessThan(rolled.stderr.indexOf('nodes-local-a: replacing'));

    const after = await live();
    expect(after.filter((i) => before.some((b) => b.id === i.id))).toEqual([]);
    expect(after).toHaveLength(5);
    expect(after.every((i) => i.state === 'running' && i.healthy)).toBe(true);
    for (const h of await hashes(after)) expect(oldHashes.has(h)).toBe(false);

    expect(watch.samples.length).toBeGreaterThan(10);
    // maxSurge 1, maxUnavailable 0 for nodes: never fewer than 2 ready; quorum of 3 etcd members is 2.
    expect(Math.min(...watch.samples.map((s) => s.nodesReady))).toBeGreaterThanOrEqual(2);
    expect(Math.min(...watch.samples.map((s) => s.planeReady))).toBeGreaterThanOrEqual(2);
    expect((await run('validate', 'cluster', NAME)).code).toBe(0);
    expect((await run('rolling-update', 'cluster', NAME)).stdout).toContain('No rolling update is needed.');
  });

  it('killed halfway, finishes when run again, replacing no machine twice', { timeout: 240_000 }, async () => {
    const before = new Set((await live()).map((i) => i.id));
    await changeVersion('1.35.0');
    const started = new Date().toISOString();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [HOIST_BIN, 'rolling-update', 'cluster', NAME, '--yes', '--kubeconfig', kubeconfig], { env: { ...process.env, ...world.env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let replaced = 0;
      child.stderr.on('data', (d: Buffer) => {
        replaced += (d.toString().match(/ replaced$/gm) ?? []).length;
        if (replaced >= 3) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error('the roll ended before it could be killed'))));
    });
    const again = await run('rolling-update', 'cluster', NAME, '--yes', '--kubeconfig', kubeconfig);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/took over the lock|dead|no process/i);

    const all = (await client.list('instances')).filter((i) => i.tags['hoist.dev/cluster'] === NAME);
    // Every machine from before was replaced; none made during the roll was.
    expect(all.filter((i) => before.has(i.id)).every((i) => i.state === 'terminated')).toBe(true);
    const madeDuringRoll = all.filter((i) => !before.has(i.id) && i.launchedAt >= started);
    expect(madeDuringRoll.filter((i) => i.state === 'terminated')).toEqual([]);
    expect(madeDuringRoll).toHaveLength(5);
    expect((await run('rolling-update', 'cluster', NAME)).stdout).toContain('No rolling update is needed.');
  });

  it('with --cloudonly, terminates each old node only once its replacement is running', { timeout: 240_000 }, async () => {
    const before = new Set((await live()).filter((i) => i.tags['hoist.dev/role'] === 'node').map((i) => i.id));
    const watch = sampler();
    const rolled = await run('rolling-update', 'cluster', NAME, '--yes', '--kubeconfig', kubeconfig, '--force', '--cloudonly', '--instance-group', 'nodes-local-a');
    await watch.stop();
    expect(rolled.code, rolled.stderr).toBe(0);
    // maxSurge 1, maxUnavailable 0: a node that is merely launched does not stand in for a running one.
    expect(Math.min(...watch.samples.map((s) => s.nodesReady))).toBeGreaterThanOrEqual(2);
    expect(rolled.stderr).toContain('nodes-local-a: waiting for the new instance(s) to be running');
    expect(rolled.stderr).toContain('nodes-local-a: 2 of 2 replaced');
    const nodes = (await live()).filter((i) => i.tags['hoist.dev/role'] === 'node');
    expect(nodes.filter((i) => before.has(i.id))).toEqual([]);
  });

  it('a roll whose lock is broken stops before its next batch and exits 1; lock break refuses it while it runs', { timeout: 240_000 }, async () => {
    // The pause between batches is when the lock is broken: the next batch must not start.
    const args = ['rolling-update', 'cluster', NAME, '--yes', '--kubeconfig', kubeconfig, '--force', '--instance-group', 'nodes-local-a', '--node-interval', '10s'];
    const child = spawn(process.execPath, [HOIST_BIN, ...args], { env: { ...process.env, ...world.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes('nodes-local-a: 1 of 2 replaced')) resolve();
        });
        void exited.then(() => reject(new Error(`the roll ended before its first batch did: ${stderr}`)));
      });
      const refused = await run('lock', 'break', NAME, '--yes');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`held by \\S+ \\(pid ${child.pid}, "rolling-update cluster", since [^)]+\\), a process that is running on this host; not broken`));
      const forced = await run('lock', 'break', NAME, '--yes', '--force');
      expect(forced.code, forced.stderr).toBe(0);
      expect(await exited).toBe(1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited.catch(() => undefined);
    }
    expect(stderr).toContain(`error: the lock of ${NAME} is no longer held by this process: it was broken (removed by someone else); stopped before changing anything more`);
    expect(stderr.match(/nodes-local-a: replacing/g)).toHaveLength(1);
    expect(stderr).not.toContain('2 of 2 replaced');

    // The stopped roll left no machine behind: every node running and healthy, none detached.
    const again = await run('rolling-update', 'cluster', NAME, '--yes', '--kubeconfig', kubeconfig, '--instance-group', 'nodes-local-a');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No instance needed an update.');
    const nodes = (await live()).filter((i) => i.tags['hoist.dev/role'] === 'node');
    expect(nodes).toHaveLength(2);
    expect(nodes.every((i) => i.state === 'running' && i.healthy && i.groupId !== '')).toBe(true);
  });

  it('stops at the validation timeout when a new machine never becomes Ready, naming it and its error', { timeout: 240_000 }, async () => {
    // Break the node archive in the asset mirror: every new node fails its Archive task.
    const nodeYaml = await readFile(join(world.stateDir, NAME, 'igconfig', 'nodes-local-a', 'nodeup.yaml'), 'utf8');
    const url = /url: (file:\S+kubernetes-node-linux-amd64\.tar\.gz)/.exec(nodeYaml)![1]!;
    await appendFile(new URL(url).pathname, 'not what was planned');
    const before = await live();

    const rolled = await run('rolling-update', 'cluster', NAME, '--yes', '--kubeconfig', kubeconfig, '--force', '--instance-group', 'nodes-local-a', '--validation-timeout', '20s');
    expect(rolled.code).toBe(1);
    expect(rolled.stderr).toMatch(/instance group nodes-local-a did not become Ready within 20 s/);
    expect(rolled.stderr).toMatch(/i-[0-9a-f]+ \(pending; failed; last error: .*Archive\/kubernetes-node.*sha256 mismatch/);
    expect(rolled.stderr).toContain('no further machines were touched');

    // One batch (maxSurge 1) was started and nothing else: one new machine, the rest as they were.
    const after = await live();
    const nodes = (list: readonly Instance[]) => list.filter((i) => i.tags['hoist.dev/role'] === 'node');
    const added = nodes(after).filter((i) => !before.some((b) => b.id === i.id));
    expect(added).toHaveLength(1);
    expect(added[0]!.healthy).toBe(false);
    expect(nodes(before).every((b) => after.some((a) => a.id === b.id && a.state === 'running'))).toBe(true);
    expect(after.filter((i) => i.tags['hoist.dev/role'] === 'control-plane').map((i) => i.id).sort()).toEqual(
      before.filter((i) => i.tags['hoist.dev/role'] === 'control-plane').map((i) => i.id).sort(),
    );
  });
});
