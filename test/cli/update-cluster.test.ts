/** The cluster lifecycle on the embedded local cloud, through the real executable. */

import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance, LoadBalancer } from '../../cloudup/local/api-types.js';
import { hoistProcess, tempDir } from '../support/cli.js';
import { processesOf, waitFor } from '../local-cloud/support.js';
import type { LocalWorld } from './local-support.js';
import { localWorld } from './local-support.js';

const NAME = 'life.k8s.local';
let world: LocalWorld;
const run = (...args: string[]) => hoistProcess(args, { env: world.env });

beforeAll(async () => {
  world = await localWorld();
  const created = await run('create', 'cluster', NAME, '--network-cidr', '127.101.0.0/16');
  expect(created.code, created.stderr).toBe(0);
});
afterAll(async () => {
  expect(await world.destroy()).toEqual([]);
});

const instances = async () => (await world.everything()).filter((r) => r.type === 'instances').map((r) => r.resource as Instance).filter((i) => i.state !== 'terminated');

describe('update cluster on the local cloud', () => {
  it('prints a readable plan, applies it with --yes, and then has no changes', async () => {
    const plan = await run('update', 'cluster', NAME);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Will create resources:');
    expect(plan.stdout).toContain(`  Network/${NAME}\n    cidr  127.101.0.0/16`);
    expect(plan.stdout).toMatch(/Plan: 19 to create, 0 to modify, 0 to replace, 0 to delete/);
    expect(plan.stdout).toContain(`Must specify --yes to apply changes: hoist update cluster ${NAME} --yes`);
    expect((await run('update', 'cluster', NAME, '--detailed-exitcode')).code).toBe(2);

    // A saved plan edited by hand (one record's TTL) is refused as modified, naming nothing else.
    const dir = await tempDir('hoist-plan-');
    try {
      const file = join(dir.path, 'plan.json');
      expect((await run('update', 'cluster', NAME, '--save-plan', file)).code).toBe(0);
      const text = await readFile(file, 'utf8');
      const edited = text.replace(/("path": "ttl",\s*"after": )60\b/, '$1300');
      expect(edited).not.toBe(text);
      await writeFile(file, edited);
      const tampered = await run('update', 'cluster', NAME, '--plan', file, '--yes');
      expect(tampered.code).toBe(1);
      expect(tampered.stderr).toContain(`--plan: "${file}" was modified after it was saved: its checksum does not match its content; nothing was applied (make the plan again: hoist update cluster ${NAME} --save-plan ${file})`);
      expect(tampered.stderr).not.toMatch(/DnsRecord|stale|live cloud/);
      expect(await instances()).toEqual([]);
    } finally {
      await dir.cleanup();
    }

    const applied = await run('update', 'cluster', NAME, '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Cluster changes have been applied to the cloud.');
    expect(applied.stderr).toMatch(/done create Network\/life\.k8s\.local/);

    // Instances are real processes, each answering on its own loopback address.
    const running = await waitFor('3 running instances', async () => {
      const list = await instances();
      return list.length === 3 && list.every((i) => i.state === 'running' && i.pid !== undefined) ? list : undefined;
    });
    for (const i of running) {
      expect(i.address).toMatch(/^127\.101\./);
      expect(() => process.kill(i.pid!, 0)).not.toThrow();
    }
    expect(processesOf(world.cloudDir).filter((p) => p.args.includes('local-cloud agent'))).toHaveLength(3);
    // The API load balancer proxies to the control plane.
    const lb = (await world.everything()).find((r) => r.type === 'loadBalancers')!.resource as LoadBalancer;
    await waitFor('the API through its load balancer', async () => (await fetch(`http://${lb.address}:6443/healthz`)).ok);

    const again = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toContain('No changes');
  });

  it('shows exactly an edit of the node group sizes and machine type, and converges', async () => {
    const igYaml = (await run('get', 'ig', `nodes-local-a`, '--name', NAME, '-o', 'yaml')).stdout;
    const edited = igYaml.replace('minSize: 2', 'minSize: 3').replace('maxSize: 2', 'maxSize: 4').replace('machineType: local.small', 'machineType: local.medium');
    expect((await hoistProcess(['replace', '-f', '-'], { env: world.env, stdin: edited })).code).toBe(0);

    const plan = await run('update', 'cluster', NAME, '-o', 'json');
    const json = JSON.parse(plan.stdout);
    const acting = json.changes.filter((c: { action: string }) => c.action !== 'noop');
    expect(acting.map((c: { id: string; action: string }) => `${c.action} ${c.id}`)).toEqual([
      `update InstanceGroup/nodes-local-a.${NAME}`,
      `update InstanceTemplate/nodes-local-a.${NAME}`,
    ]);
    const paths = (id: string) => acting.find((c: { id: string }) => c.id === id).changes.map((f: { path: string; before: unknown; after: unknown }) => [f.path, f.before, f.after]);
    expect(paths(`InstanceTemplate/nodes-local-a.${NAME}`)).toEqual([['machineType', 'local.small', 'local.medium']]);
    expect(paths(`InstanceGroup/nodes-local-a.${NAME}`)).toEqual([
      ['maxSize', 2, 4],
      ['minSize', 2, 3],
      ['templateVersion', 1, { $ref: `InstanceTemplate/nodes-local-a.${NAME}`, output: 'latestVersion' }],
    ]);
    expect(json.format_version).toBe('1.0');

    expect((await run('update', 'cluster', NAME, '--yes')).code).toBe(0);
    const after = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(after.code, after.stdout).toBe(0);
    await waitFor('4 instances', async () => ((await instances()).length === 4 ? true : undefined));
  });

  it('applies a saved plan, and refuses one made stale by a spec change', async () => {
    const file = `${world.stateDir}/../plan-${process.pid}.json`;
    const ig = (await run('get', 'ig', 'nodes-local-a', '--name', NAME, '-o', 'yaml')).stdout;
    await hoistProcess(['replace', '-f', '-'], { env: world.env, stdin: ig.replace('maxSize: 4', 'maxSize: 5') });
    const saved = await run('update', 'cluster', NAME, '--save-plan', file);
    expect(saved.stdout).toContain(`--plan ${file} --yes`);
    expect((await run('update', 'cluster', NAME, '--plan', file)).code).toBe(1);

    // A change of the spec after the plan was saved makes it stale.
    await hoistProcess(['replace', '-f', '-'], { env: world.env, stdin: ig.replace('maxSize: 4', 'maxSize: 6') });
    const stale = await run('update', 'cluster', NAME, '--plan', file, '--yes');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/the saved plan is stale: it was made from revision \d+ of the spec, which is now at revision \d+/);
    expect(stale.stderr).toContain(`  InstanceGroup/nodes-local-a.${NAME}: maxSize planned 4 -> 5, now 4 -> 6`);

    await hoistProcess(['replace', '-f', '-'], { env: world.env, stdin: ig.replace('maxSize: 4', 'maxSize: 5') });
    await run('update', 'cluster', NAME, '--save-plan', file);
    const applied = await run('update', 'cluster', NAME, '--plan', file, '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    expect((await run('update', 'cluster', NAME, '--detailed-exitcode')).code).toBe(0);
    // A saved plan that was applied is stale for the live cloud now.
    const twice = await run('update', 'cluster', NAME, '--plan', file, '--yes');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`the live cloud changed since it was made:\n  InstanceGroup/nodes-local-a.${NAME}: planned update of maxSize, now noop`);
  });

  it('two applies at once: one runs, the other exits 1 naming the holder', async () => {
    const ig = (await run('get', 'ig', 'nodes-local-a', '--name', NAME, '-o', 'yaml')).stdout;
    await hoistProcess(['replace', '-f', '-'], { env: world.env, stdin: ig.replace('maxSize: 5', 'maxSize: 7') });
    const [a, b] = await Promise.all([run('update', 'cluster', NAME, '--yes', '--parallelism', '1'), run('update', 'cluster', NAME, '--yes', '--parallelism', '1')]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toMatch(/is locked by \S+@\S+ \(pid \d+\), running "update cluster"/);
  });

  it('delete cluster --yes leaves nothing of the cluster: no resources, processes or listeners', async () => {
    const lb = (await world.everything()).find((r) => r.type === 'loadBalancers')!.resource as LoadBalancer;
    const preview = await run('delete', 'cluster', NAME);
    expect(preview.stdout).toContain('Will delete resources:');
    expect(preview.stdout).toContain('Must specify --yes');
    const deleted = await run('delete', 'cluster', NAME, '--yes');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted cluster ${NAME}.`);

    const left = (await world.everything()).filter((r) => JSON.stringify(r.resource.tags).includes(NAME) && !(r.type === 'instances' && (r.resource as Instance).state === 'terminated'));
    expect(left).toEqual([]);
    expect(processesOf(world.cloudDir).filter((p) => p.args.includes('local-cloud agent'))).toEqual([]);
    const listening = await new Promise<boolean>((resolve) => {
      const s = connect({ host: lb.address, port: 6443 }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    expect(listening).toBe(false);
    expect((await run('get', 'clusters', NAME)).code).toBe(1);
  });
});
