/**
 * delete instance on the local cloud (one control plane, one node): one machine is replaced and
 * no other; with --surge its replacement is Ready before it goes, so the group never has fewer
 * Ready nodes than it should; a preview and an unknown id change nothing.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import type { LocalCloudClient } from '../../cloudup/local/client.js';
import { hoistProcess } from '../support/cli.js';
import type { LocalWorld } from './local-support.js';
import { localWorld } from './local-support.js';

const NAME = 'delete-instance.k8s.local';
let world: LocalWorld;
let client: LocalCloudClient;
let kubeconfig = '';
const run = (...args: string[]) => hoistProcess([...args, '--name', NAME], { env: world.env });

const live = async () => (await client.list('instances')).filter((i) => i.state !== 'terminated' && i.tags['hoist.dev/cluster'] === NAME);
const byRole = async (role: string) => (await live()).filter((i) => i.tags['hoist.dev/role'] === role);

/** Samples how many nodes are running and healthy every 50 ms, until stopped. */
function sampler() {
  const samples: number[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      samples.push((await byRole('node')).filter((i) => i.state === 'running' && i.healthy).length);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { samples, stop: async () => ((stop = true), await loop) };
}

beforeAll(async () => {
  world = await localWorld();
  expect((await hoistProcess(['create', 'cluster', NAME, '--control-plane-count', '1', '--node-count', '1'], { env: world.env })).code).toBe(0);
  const applied = await run('update', 'cluster', NAME, '--yes');
  expect(applied.code, applied.stderr).toBe(0);
  kubeconfig = join(world.cloudDir, 'kubeconfig');
  const exported = await run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
  expect(exported.code, exported.stderr).toBe(0);
  client = await connectLocalCloud({ env: { ...process.env, ...world.env }, autoStart: false });
  const valid = await run('validate', 'cluster', NAME, '--wait', '150s', '--kubeconfig', kubeconfig);
  expect(valid.code, valid.stdout).toBe(0);
}, 240_000);
afterAll(async () => {
  expect(await world.destroy()).toEqual([]);
});

describe('delete instance', () => {
  it('without --yes says what it would do; an unknown id is refused with the fix; neither changes anything', async () => {
    const before = (await live()).map((i) => i.id).sort();
    const [node] = await byRole('node');
    const preview = await run('delete', 'instance', node!.id, '--surge');
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toBe(`Instance ${node!.id} of instance group nodes-local-a would be replaced by a new machine first, then drained and terminated.\nMust specify --yes to delete it.\n`);
    const unknown = await run('delete', 'instance', 'i-0000000000', '--yes');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`i-0000000000 is not a running instance of cluster ${NAME}`);
    expect(unknown.stderr).toContain(`hoist get instances --name ${NAME}`);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    expect((await live()).map((i) => i.id).sort()).toEqual(before);
  });

  it('with --surge, replaces the node after its replacement is Ready, and nothing else', { timeout: 180_000 }, async () => {
    const [plane] = await byRole('control-plane');
    const [node] = await byRole('node');
    const watch = sampler();
    const r = await run('delete', 'instance', node!.id, '--yes', '--surge', '--kubeconfig', kubeconfig);
    await watch.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Instance ${node!.id} deleted and replaced in \\d+\\.\\d s\\.\\n$`));
    expect(r.stderr).toContain('nodes-local-a: 1 instance(s) to replace, 1 surged and 0 unavailable at a time');
    expect(Math.min(...watch.samples)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...watch.samples)).toBe(2);
    const nodes = await byRole('node');
    expect(nodes.map((i) => i.id)).not.toContain(node!.id);
    expect(nodes).toHaveLength(1);
    expect((await byRole('control-plane')).map((i) => i.id)).toEqual([plane!.id]);
  });

  it('without --surge, drains and terminates the node first, then its group replaces it', { timeout: 180_000 }, async () => {
    const [node] = await byRole('node');
    const r = await run('delete', 'instance', node!.id, '--yes', '--kubeconfig', kubeconfig);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('nodes-local-a: 1 instance(s) to replace, 0 surged and 1 unavailable at a time');
    const nodes = await byRole('node');
    expect(nodes.map((i) => i.id)).not.toContain(node!.id);
    expect(nodes.filter((i) => i.state === 'running' && i.healthy)).toHaveLength(1);
    // The next roll has nothing to do: the replacement has the group's configuration.
    expect((await run('rolling-update', 'cluster', NAME)).stdout).toContain('No rolling update is needed.');
  });
});
