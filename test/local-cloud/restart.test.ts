/**
 * A machine is what it was launched as, across a restart of the local cloud's daemon: after
 * `update cluster --yes` changed its group's configuration, a daemon restart brings the old
 * machine back with the configuration it was launched for (as a rebooted VM keeps its disk),
 * instead of failing it for good on the new one.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../cloudup/local/api-types.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import { hoist, hoistProcess } from '../support/cli.js';
import type { LocalWorld } from '../cli/local-support.js';
import { localWorld } from '../cli/local-support.js';

const NAME = 'reboot.k8s.local';
let world: LocalWorld;
const run = (...args: string[]) => hoistProcess(args, { env: world.env });

beforeAll(async () => {
  world = await localWorld();
  const created = await run('create', 'cluster', NAME, '--node-count', '0', '--kubernetes-version', '1.35.0');
  expect(created.code, created.stderr).toBe(0);
});
afterAll(async () => {
  expect(await world.destroy()).toEqual([]);
});

async function machines(): Promise<Instance[]> {
  const client = await connectLocalCloud({ env: { ...process.env, ...world.env }, autoStart: false });
  return (await client.list('instances', { tags: { 'hoist.dev/cluster': NAME } })).filter((i) => i.state !== 'terminated');
}

/** The machine once healthy; fails at once when it reports a failure instead. */
async function healthy(id: string | undefined, what: string): Promise<Instance> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = (await machines()).find((i) => id === undefined || i.id === id);
    if (found?.agentPhase === 'failed') throw new Error(`${what}: ${found.id} failed: ${found.agentMessage ?? ''}`);
    if (found?.state === 'running' && found.healthy) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a daemon restart between update --yes and rolling-update', () => {
  it('brings the old machine back on the configuration it was launched for', async () => {
    const applied = await run('update', 'cluster', NAME, '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    const before = await healthy(undefined, 'the control-plane machine');

    const yaml = (await run('get', 'cluster', NAME, '-o', 'yaml')).stdout;
    expect((await hoistProcess(['replace', '-f', '-'], { env: world.env, stdin: yaml.replace('kubernetesVersion: 1.35.0', 'kubernetesVersion: 1.34.0') })).code).toBe(0);
    // Any version change will do; a minor down needs the version guards' override.
    const updated = await run('update', 'cluster', NAME, '--yes', '--allow-version-skew');
    expect(updated.code, updated.stderr).toBe(0);

    expect((await hoist(['local-cloud', 'stop'], { env: world.env })).code).toBe(0);
    expect((await hoist(['local-cloud', 'start'], { env: world.env })).code).toBe(0);

    // Before, the machine refused the group's new configuration here and reported `failed` for good.
    const after = await healthy(before.id, `${before.id} healthy again after the restart`);
    expect(after.templateVersion).toBe(before.templateVersion);
    // It is out of date, which is what rolling-update is for.
    const preview = await run('rolling-update', 'cluster', NAME);
    expect(preview.stdout).toMatch(/control-plane-local-a\s+NeedsUpdate\s+1\s+1\s/);
  }, 90_000);
});
