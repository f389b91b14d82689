/** nodeup under a root folder: idempotence, refusals, status reports, and what a worker may read. */

import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlanText } from '../../src/engine/render-text.js';
import { readKeyset } from '../../src/pki/store.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { nodeupConfigKey, instanceStatusKey } from '../../nodeup/config/keys.js';
import { hostPath } from '../../nodeup/context.js';
import { NodeupError } from '../../nodeup/run.js';
import { hoist } from '../support/cli.js';
import { CLUSTER, CONTROL_PLANE, IDENTITY, NODES, nodeWorld } from './support.js';
import type { NodeWorld } from './support.js';

let world: NodeWorld;
beforeAll(async () => {
  world = await nodeWorld();
});
afterAll(async () => {
  await world.cleanup();
});

async function status(instanceId: string, group = NODES): Promise<Record<string, unknown>> {
  const found = await world.store.get(instanceStatusKey(CLUSTER, group, instanceId));
  return JSON.parse(Buffer.from(found!.body).toString('utf8')) as Record<string, unknown>;
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('nodeup', () => {
  it('applies a worker, reports Ready with the config hash, and a second run changes nothing', async () => {
    const root = join(world.dir, 'idempotent');
    const first = await world.nodeup(NODES, root);
    expect(first.applied).toBeGreaterThan(10);
    expect(await status(IDENTITY[NODES]!.instanceId)).toMatchObject({ phase: 'Ready', configHash: world.configs.get(NODES)!.hash, instanceGroup: NODES, changes: first.applied });
    expect(first.events.map((e) => e.message)).toContain('package socat: not installed: nodeup runs under --root, where it manages no OS packages');

    const second = await world.nodeup(NODES, root);
    expect(second.applied).toBe(0);
    expect(second.plan.changes.every((c) => c.action === 'noop')).toBe(true);
    expect(renderPlanText(second.plan)).toMatch(/^No changes/);
    expect(await status(IDENTITY[NODES]!.instanceId)).toMatchObject({ phase: 'Ready', changes: 0 });
    expect(first.healthChecks.map((c) => c.url)).toEqual(['http://127.110.32.3:10248/healthz', 'http://127.110.32.3:10256/healthz']);
  });

  it('puts back a file changed behind its back, and then has nothing to do', async () => {
    const root = join(world.dir, 'drift');
    await world.nodeup(NODES, root);
    await appendFile(hostPath(root, '/var/lib/kubelet/config.yaml'), 'maxPods: 3\n');
    const again = await world.nodeup(NODES, root);
    expect(again.plan.changes.filter((c) => c.action !== 'noop').map((c) => c.id)).toEqual(['File//var/lib/kubelet/config.yaml']);
    expect((await world.nodeup(NODES, root)).applied).toBe(0);
  });

  it('changes nothing in a dry run, and the CLI prints the node plan', async () => {
    const root = join(world.dir, 'dry');
    const r = await hoist(['nodeup', '--conf', await world.bootFile(NODES), '--root', root, '--dry-run', '--instance-id', 'i-dry', '--address', '127.110.32.9']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Will create resources:');
    expect(r.stdout).toContain('  Service/kubelet.service');
    expect(r.stdout).toContain('Dry run: nothing was changed on i-dry (nodes-local-a).');
    await expect(readdir(root)).rejects.toThrow();
    expect(await world.store.get(instanceStatusKey(CLUSTER, NODES, 'i-dry'))).toBeUndefined();
  });

  it('never resolves a path outside its root', () => {
    expect(hostPath('/srv/node', '/etc/x')).toBe('/srv/node/etc/x');
    expect(() => hostPath('/srv/node', '/../../etc/passwd')).toThrow(/outside \/srv\/node/);
    expect(() => hostPath('/srv/node', 'etc/x')).toThrow(/not absolute/);
  });

  it('refuses a nodeup.yaml whose hash differs from the boot configuration, and reports it', async () => {
    const key = nodeupConfigKey(CLUSTER, NODES);
    const original = (await world.store.get(key))!.body;
    await world.store.put(key, `${Buffer.from(original).toString('utf8')}# edited\n`);
    try {
      const run = world.nodeup(NODES, join(world.dir, 'mismatch'), { instanceId: 'i-mismatch' });
      await expect(run).rejects.toThrow(NodeupError);
      await expect(run).rejects.toThrow(/has hash sha256:[0-9a-f]{64}, but this machine was launched for sha256:[0-9a-f]{64}/);
      const s = await status('i-mismatch');
      expect(s).toMatchObject({ phase: 'Failed', error: { task: `NodeupConfig/${NODES}` } });
      await expect(readdir(join(world.dir, 'mismatch'))).rejects.toThrow();
    } finally {
      await world.store.put(key, original);
    }
  });

  it('fails the Archive task on a checksum mismatch, naming both checksums, and reports it', async () => {
    const asset = world.configs.get(NODES)!.config.assets.find((a) => a.name === 'kubernetes-node')!;
    const file = fileURLToPath(asset.url);
    const good = await readFile(file);
    await appendFile(file, 'corrupted');
    try {
      const run = world.nodeup(NODES, join(world.dir, 'corrupt'), { instanceId: 'i-corrupt' });
      await expect(run).rejects.toThrow(new RegExp(`Archive/kubernetes-node: sha256 mismatch for ${asset.url.replace(/[.]/g, '\\.')}: expected ${asset.sha256}, got [0-9a-f]{64}`));
      const s = await status('i-corrupt');
      expect(s).toMatchObject({ phase: 'Failed', error: { task: 'Archive/kubernetes-node' } });
      expect((s.error as { message: string }).message).toContain(`expected ${asset.sha256}, got `);
      // Nothing of the bad download is kept.
      expect((await filesUnder(join(world.dir, 'corrupt'))).filter((f) => f.includes(asset.sha256) || f.includes('.partial'))).toEqual([]);
    } finally {
      await import('node:fs/promises').then((fs) => fs.writeFile(file, good));
    }
  });

  it('gives a worker no CA private key: not in what it reads from the store, nor in what it writes', async () => {
    const reads = new Map<string, string>();
    const recording = (store: ObjectStore): ObjectStore => ({
      ...store,
      url: store.url,
      async get(key) {
        const found = await store.get(key);
        if (found !== undefined) reads.set(key, Buffer.from(found.body).toString('utf8'));
        return found;
      },
      put: (key, body, condition) => store.put(key, body, condition),
      list: (prefix) => store.list(prefix),
      delete: (key, condition) => store.delete(key, condition),
    });
    const worker = await nodeWorld({ store: recording });
    try {
      const root = join(worker.dir, 'worker');
      await worker.nodeup(NODES, root);
      const caKeys: string[] = [];
      for (const name of ['kubernetes-ca', 'etcd-peers-ca', 'etcd-clients-ca', 'apiserver-aggregator-ca', 'service-account']) {
        const keyset = await readKeyset(worker.store, CLUSTER, name, { private: true });
        for (const item of keyset!.spec.items) caKeys.push(item.privateKey!.trim());
      }
      expect(caKeys).toHaveLength(5);
      expect([...reads.keys()].filter((k) => k.includes('/pki/private/'))).toEqual([]);
      const written = await Promise.all((await filesUnder(root)).map((f) => readFile(f, 'utf8')));
      const material = [...reads.values(), ...written].join('\n');
      expect(material).toContain('PRIVATE KEY'); // its own credentials' keys are there
      for (const key of caKeys) expect(material.includes(key)).toBe(false);

      // The control plane does read them: it issues its own certificates.
      reads.clear();
      await worker.nodeup(CONTROL_PLANE, join(worker.dir, 'plane'));
      expect([...reads.keys()].filter((k) => k.includes('/pki/private/')).length).toBeGreaterThan(0);
    } finally {
      await worker.cleanup();
    }
  });

  it('reports under the instance id its boot configuration names (AWS), and names its node after it', async () => {
    const root = join(world.dir, 'named-by-boot');
    const boot = join(world.dir, 'boot-with-id.yaml');
    await writeFile(boot, `${await readFile(await world.bootFile(NODES), 'utf8')}instanceId: i-0fromboot\n`);
    const result = await world.nodeup(NODES, root, { bootFile: boot, instanceId: undefined });
    expect(result.node).toMatchObject({ instanceId: 'i-0fromboot', nodeName: 'i-0fromboot' });
    expect(await status('i-0fromboot')).toMatchObject({ phase: 'Ready', instanceId: 'i-0fromboot' });
  });
});
