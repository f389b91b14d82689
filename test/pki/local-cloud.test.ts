/**
 * export kubeconfig on the local cloud: the server is the API load balancer's address, asked of
 * a real local cloud daemon (started in a temp folder, stopped by its PID afterwards).
 */

import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TAG } from '../../cloudup/tags.js';
import { ensureClusterPKI } from '../../src/pki/index.js';
import { openStore } from '../../state-store/open.js';
import { hoist, tempDir } from '../support/cli.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import { cloudDir, destroyCloud, network, removeBundleCopy } from '../local-cloud/support.js';
import type { TestCloud } from '../local-cloud/support.js';

const NAME = 'local.k8s.local';
let cloudFolder: string | undefined;
let cloud: TestCloud | undefined;
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;

beforeAll(async () => {
  dir = await tempDir('hoist-pki-local-');
  // The folder is known before the daemon starts, so teardown finds it even if the start fails.
  const folder = await cloudDir();
  cloudFolder = folder.dir;
  cloud = { ...folder, client: await connectLocalCloud({ env: { ...process.env, ...folder.env } }) };
  env = { ...cloud.env, HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: '', KUBECONFIG: '' };
  const created = await hoist(['create', 'cluster', NAME], { env });
  expect(created.code, created.stderr).toBe(0);
  await ensureClusterPKI(await openStore(env.HOIST_STATE_STORE!), NAME);
});

afterAll(async () => {
  const left = cloudFolder === undefined ? [] : await destroyCloud(cloudFolder);
  await removeBundleCopy();
  await dir?.cleanup();
  expect(left).toEqual([]);
});

describe('export kubeconfig on the local cloud', () => {
  it('says the load balancer is missing before the cluster is applied', async () => {
    const r = await hoist(['export', 'kubeconfig', NAME, '--kubeconfig', join(dir.path, 'none')], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the API load balancer api.${NAME} of ${NAME} does not exist in the local cloud`);
  });

  it('points the kubeconfig at the API load balancer on port 6443', async () => {
    const client = cloud!.client;
    const { network: net, subnets } = await network(client, '127.91.0.0/16');
    // Another cluster's load balancer of the same shape must not be picked.
    await client.create('loadBalancers', {
      name: 'api.other.k8s.local',
      networkId: net.id,
      subnetIds: subnets.map((s) => s.id),
      listeners: [{ port: 6443, targetPort: 6443 }],
      healthCheck: { port: 6443, path: '/healthz' },
      tags: { [CLUSTER_TAG]: 'other.k8s.local' },
    });
    const lb = await client.create('loadBalancers', {
      name: `api.${NAME}`,
      networkId: net.id,
      subnetIds: subnets.map((s) => s.id),
      listeners: [{ port: 6443, targetPort: 6443 }],
      healthCheck: { port: 6443, path: '/healthz' },
      tags: { [CLUSTER_TAG]: NAME },
    });
    expect(lb.address).toMatch(/^127\.91\./);

    const file = join(dir.path, 'kubeconfig');
    const r = await hoist(['export', 'kubeconfig', NAME, '--admin=1h', '--kubeconfig', file], { env });
    expect(r.code, r.stderr).toBe(0);
    const view = JSON.parse(execFileSync('kubectl', ['config', 'view', '--kubeconfig', file, '--raw', '-o', 'json'], { encoding: 'utf8' }));
    expect(view.clusters).toEqual([{ name: NAME, cluster: expect.objectContaining({ server: `https://${lb.address}:6443` }) }]);
  });

  it('says the local cloud is not running when it is not', async () => {
    const idle = await cloudDir();
    try {
      const r = await hoist(['export', 'kubeconfig', NAME, '--kubeconfig', join(dir.path, 'idle')], { env: { ...env, ...idle.env } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('the local cloud is not running');
    } finally {
      await rm(idle.dir, { recursive: true, force: true });
    }
  });
});
