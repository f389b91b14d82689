/** Where a control-plane machine's load-balanced listeners bind: every address on a machine of its own. */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identity } from '../../nodeup/run.js';
import { HEALTHCHECK_SERVICE_CONF } from '../../nodeup/healthcheck/service.js';
import { CONTROL_PLANE, nodeWorld } from './support.js';
import type { NodeWorld } from './support.js';

let world: NodeWorld;
beforeAll(async () => {
  world = await nodeWorld();
});
afterAll(async () => {
  await world.cleanup();
});

describe('the bind address', () => {
  it('is every address on a machine of its own, and the given address where one is given', () => {
    const own = identity({ env: {} }, { instanceId: 'i-1' });
    expect(own.bindAddress).toBe('0.0.0.0');
    expect(own.address).not.toBe('0.0.0.0');
    expect(identity({ env: { HOIST_INSTANCE_ADDRESS: '127.0.0.9' } }, {}).bindAddress).toBeUndefined();
    expect(identity({ env: {}, address: '127.0.0.8' }, {})).toMatchObject({ address: '127.0.0.8' });
    expect(identity({ env: {}, address: '127.0.0.8' }, {}).bindAddress).toBeUndefined();
  });

  it('puts the API server and its health port on every address, still advertising the machine\'s own', async () => {
    const root = join(world.dir, 'own-machine');
    await world.nodeup(CONTROL_PLANE, root, { address: undefined });
    const manifest = await readFile(join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8');
    expect(manifest).toContain('--bind-address=0.0.0.0');
    const advertised = /--advertise-address=([\d.]+)/.exec(manifest)?.[1];
    expect(advertised).toBeDefined();
    expect(advertised).not.toBe('0.0.0.0');
    const conf = JSON.parse(await readFile(join(root, HEALTHCHECK_SERVICE_CONF), 'utf8')) as { host: string; upstream: string };
    expect(conf.host).toBe('0.0.0.0');
    expect(conf.upstream).toContain(advertised);
  });
});
