/**
 * A local cluster's machines boot as real ones do: their user data is the rendered boot script,
 * which the instance's agent runs with bash under the instance's root. It downloads the Node.js
 * runtime from the local mirror (an archive of the host's own node) and the nodeup bundle from
 * the state store folder, verifies both against the pinned hashes, installs them, and the agent
 * hands over to nodeup. A nodeup bundle changed in the store is refused and never run.
 */

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../cloudup/local/api-types.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import { hoist, hoistProcess } from '../support/cli.js';
import type { LocalWorld } from '../cli/local-support.js';
import { localWorld } from '../cli/local-support.js';
import { waitFor } from './support.js';

const NAME = 'boot.k8s.local';
let world: LocalWorld;
const run = (...args: string[]) => hoistProcess(args, { env: world.env });

beforeAll(async () => {
  world = await localWorld();
  const created = await run('create', 'cluster', NAME, '--node-count', '1');
  expect(created.code, created.stderr).toBe(0);
});
afterAll(async () => {
  expect(await world.destroy()).toEqual([]);
});

async function machines(): Promise<Instance[]> {
  const client = await connectLocalCloud({ env: { ...process.env, ...world.env }, autoStart: false });
  return (await client.list('instances', { tags: { 'hoist.dev/cluster': NAME } })).filter((i) => i.state !== 'terminated');
}

const sha256 = (body: Uint8Array | string) => createHash('sha256').update(body).digest('hex');

/** The one nodeup bundle `update cluster --yes` published into the state store folder. */
async function publishedBundle(): Promise<{ path: string; sha256: string }> {
  const dir = join(world.stateDir, NAME, 'nodeup');
  const [hash] = await readdir(dir);
  return { path: join(dir, hash!, 'nodeup.mjs'), sha256: hash! };
}

describe('local instances boot through the boot script', () => {
  let ready: Instance[];

  it('installs the verified Node.js runtime and nodeup bundle under each root, then nodeup makes the machine ready', async () => {
    const applied = await run('update', 'cluster', NAME, '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    // The worker healthy (nodeup ran after the script), the control plane past its script: what
    // its control-plane services then do is not the boot's business.
    ready = await waitFor('a healthy worker and a configured control plane', async () => {
      const list = await machines();
      const failed = list.find((i) => i.agentPhase === 'failed');
      if (failed) throw new Error(`${failed.id} failed: ${failed.agentMessage ?? ''}`);
      const worker = list.find((i) => i.tags['hoist.dev/role'] === 'node');
      const controlPlane = list.find((i) => i.tags['hoist.dev/role'] === 'control-plane');
      if (worker?.healthy !== true || controlPlane === undefined) return undefined;
      const log = await readFile(join(controlPlane.rootDir, 'agent.log'), 'utf8').catch(() => '');
      return log.includes('is Configuring') ? list : undefined;
    }, 60_000);
    expect(ready).toHaveLength(2);

    const bundle = await publishedBundle();
    expect(sha256(await readFile(bundle.path))).toBe(bundle.sha256);
    for (const machine of ready) {
      const root = machine.rootDir;
      const userData = await readFile(join(root, 'user-data'), 'utf8');
      expect(userData).toMatch(/^#!\/bin\/bash\n# hoist boot script/);
      // The mirror's runtime: the archive the script verified is the one its SHASUMS256.txt names.
      const nodeUrl = /HOIST_NODE_URL:=(file:\S+\.tar\.gz)\}/.exec(userData)![1]!;
      const archive = new URL(nodeUrl).pathname;
      const sums = await readFile(join(archive, '..', 'SHASUMS256.txt'), 'utf8');
      const nodeSha = sha256(await readFile(archive));
      expect(sums).toBe(`${nodeSha}  node-v${process.version.slice(1)}-linux-x64.tar.gz\n`);

      const log = await readFile(join(root, 'agent.log'), 'utf8');
      expect(log).toContain(`hoist-boot: verified ${nodeUrl} (sha256 ${nodeSha})`);
      expect(log).toContain(`hoist-boot: installed Node.js ${process.version} in ${root}/opt/hoist/node`);
      expect(log).toContain(`hoist-boot: verified file://${bundle.path} (sha256 ${bundle.sha256})`);
      expect(log).toContain('hoist-boot: installed; the supervisor runs nodeup');
      // The script's steps come before nodeup's first report.
      expect(log.indexOf('the boot script finished')).toBeLessThan(log.indexOf('is Configuring'));
      expect(sha256(await readFile(join(root, 'opt/hoist/nodeup/nodeup.mjs')))).toBe(bundle.sha256);
      expect(existsSync(join(root, 'opt/hoist/node/bin/node'))).toBe(true);
      const boot = await readFile(join(root, 'etc/hoist/boot.yaml'), 'utf8');
      expect(boot).toContain(`cluster: ${NAME}`);
      expect(await readFile(join(root, 'var/log/hoist-boot.log'), 'utf8')).toContain('hoist-boot: installed; the supervisor runs nodeup');
    }
  }, 90_000);

  it('refuses a nodeup bundle changed in the store: the new machine shows failed and never runs it, and boots once the bundle is right again', async () => {
    const bundle = await publishedBundle();
    const good = await readFile(bundle.path);
    const bad = Buffer.from(good);
    bad[100] = bad[100]! ^ 1;
    await writeFile(bundle.path, bad);
    const badSha = sha256(bad);

    const node = ready.find((i) => i.tags['hoist.dev/role'] === 'node')!;
    const client = await connectLocalCloud({ env: { ...process.env, ...world.env }, autoStart: false });
    await client.terminateInstance(node.groupId, node.id, { decrement: false });
    const failing = await waitFor('the replacement to report the refused bundle', async () => {
      const found = (await machines()).find((i) => i.id !== node.id && i.tags['hoist.dev/role'] === 'node');
      return found?.agentPhase === 'failed' ? found : undefined;
    }, 30_000);
    expect(failing.agentMessage).toContain(`refused file://${bundle.path}: sha256 ${badSha} is not the pinned ${bundle.sha256}`);
    expect(failing.agentMessage).toMatch(/the boot script tries again in \d+s; attempt 1 failed/);
    expect(failing.healthy).toBe(false);
    // Never run: not installed, no boot configuration, no nodeup in the machine's log.
    expect(existsSync(join(failing.rootDir, 'opt/hoist/nodeup/nodeup.mjs'))).toBe(false);
    expect(existsSync(join(failing.rootDir, 'etc/hoist/boot.yaml'))).toBe(false);
    expect(await readFile(join(failing.rootDir, 'agent.log'), 'utf8')).not.toContain('is Configuring');

    await writeFile(bundle.path, good);
    const recovered = await waitFor('the replacement to boot once the bundle is right', async () => {
      const found = (await machines()).find((i) => i.id === failing.id);
      return found?.healthy === true ? found : undefined;
    }, 60_000);
    expect(await readFile(join(recovered.rootDir, 'agent.log'), 'utf8')).toContain(`hoist-boot: verified file://${bundle.path} (sha256 ${bundle.sha256})`);
  }, 120_000);

  it('does not run the script again when the instance starts again (a daemon restart), as cloud-init runs user data once', async () => {
    const machine = (await machines()).find((i) => i.tags['hoist.dev/role'] === 'node' && i.healthy);
    expect((await hoist(['local-cloud', 'stop'], { env: world.env })).code).toBe(0);
    expect((await hoist(['local-cloud', 'start'], { env: world.env })).code).toBe(0);
    await waitFor(`${machine!.id} healthy again`, async () => (await machines()).find((i) => i.id === machine!.id && i.healthy));
    const log = await readFile(join(machine!.rootDir, 'agent.log'), 'utf8');
    expect(log).toContain('the boot script already ran on this instance');
    expect(log.match(/running the boot script \(attempt 1\)/g)).toHaveLength(1);
  }, 60_000);
});
