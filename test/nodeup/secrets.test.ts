/**
 * The cluster's secrets on the machines: a plan pins the stored docker config (every machine
 * with a kubelet) and encryption config (control plane, with spec.encryptionConfig) in
 * nodeup.yaml, `update cluster --yes` copies them to each group's igconfig/, nodeup writes them
 * with mode 0600 (the kubelet's config.json; the API server's --encryption-provider-config) and
 * its plan shows their sha256, never their content. spec.encryptionConfig without the secret is
 * refused at plan time with the fix.
 */

import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { planNodeupConfigs, prepareNodes } from '../../cloudup/nodeup/index.js';
import type { NodeupConfigs } from '../../cloudup/nodeup/index.js';
import { runNodeup } from '../../nodeup/run.js';
import { secretKey } from '../../state-store/secrets.js';
import { CLUSTER, CONTROL_PLANE, IDENTITY, NODES, nodeWorld, standardSpec } from './support.js';
import type { NodeWorld } from './support.js';

let world: NodeWorld;
let completed: CompletedSpec;
const dockerConfig = JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from('robot:pull-only').toString('base64') } } });
const encryptionConfig = `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aescbc: {keys: [{name: key1, secret: ${randomBytes(32).toString('base64')}}]}\n      - identity: {}\n`;

const plan = (spec: CompletedSpec): Promise<NodeupConfigs> => planNodeupConfigs(spec, { stateStore: world.stateStore, store: world.store, env: { HOIST_LOCAL_CLOUD_DIR: world.cloudDir }, events: () => undefined });

async function nodeup(configs: NodeupConfigs, ig: string, dryRun: boolean) {
  const bootFile = join(world.dir, `boot-secrets-${ig}.yaml`);
  await writeFile(bootFile, `# hoist boot configuration\n${stringify({ stateStore: world.stateStore, cluster: CLUSTER, instanceGroup: ig, configHash: configs.get(ig)?.hash })}`);
  const id = IDENTITY[ig] ?? { instanceId: 'i-x', address: '127.110.32.9' };
  return runNodeup({ bootFile, root: join(world.dir, `root-${ig}`), dryRun, env: {}, events: () => undefined, instanceId: id.instanceId, address: id.address, store: world.store });
}

beforeAll(async () => {
  world = await nodeWorld();
  const base = standardSpec();
  completed = completeSpec({ ...base.cluster, spec: { ...base.cluster.spec, encryptionConfig: true } }, base.instanceGroups);
});
afterAll(async () => world.cleanup());

describe('secrets on the machines', () => {
  it('refuses spec.encryptionConfig at plan time while no encryption config is stored', async () => {
    await expect(plan(completed)).rejects.toThrow(`spec.encryptionConfig: true needs an EncryptionConfiguration in the secret store, and there is none (store one first: hoist create secret encryptionconfig -f FILE --name ${CLUSTER}`);
  });

  it('pins, copies and writes the docker config and the encryption config, never showing their content', async () => {
    const unpinned = await plan(standardSpec());
    await world.store.put(secretKey(CLUSTER, 'dockerconfig'), dockerConfig);
    await world.store.put(secretKey(CLUSTER, 'encryptionconfig'), encryptionConfig);
    const configs = await plan(completed);
    expect(configs.get(NODES)?.config.secrets?.map((s) => s.name)).toEqual(['dockerconfig']);
    expect(configs.get(CONTROL_PLANE)?.config.secrets?.map((s) => s.name)).toEqual(['dockerconfig', 'encryptionconfig']);
    // A new secret changes the groups' nodeup.yaml, so their machines are out of date.
    expect(configs.get(NODES)?.hash).not.toBe(unpinned.get(NODES)?.hash);
    await prepareNodes(world.store, completed, configs, () => undefined);
    expect(await world.store.list(`${CLUSTER}/igconfig/${NODES}/secrets/`)).toEqual([`${CLUSTER}/igconfig/${NODES}/secrets/dockerconfig`]);

    const plane = await nodeup(configs, CONTROL_PLANE, true);
    const text = JSON.stringify(plane.plan);
    expect(text).not.toContain('robot');
    expect(text).not.toContain('key1');
    const secretFiles = plane.plan.changes.filter((c) => c.kind === 'SecretFile').map((c) => c.name).sort();
    expect(secretFiles).toEqual(['/etc/kubernetes/encryption/encryptionconfig.yaml', '/var/lib/kubelet/config.json']);
    expect(text).toContain('--encryption-provider-config=/etc/kubernetes/encryption/encryptionconfig.yaml');

    const node = await nodeup(configs, NODES, false);
    expect(node.applied).toBeGreaterThan(0);
    const written = join(world.dir, `root-${NODES}`, 'var/lib/kubelet/config.json');
    expect(await readFile(written, 'utf8')).toBe(dockerConfig);
    expect((await stat(written)).mode & 0o777).toBe(0o600);
    expect((await nodeup(configs, NODES, true)).plan.changes.filter((c) => c.kind === 'SecretFile' && c.action !== 'noop')).toEqual([]);
  });

  it('removes a copy the groups no longer get, and refuses a secret changed since the plan', async () => {
    const configs = await plan(completed);
    await world.store.put(secretKey(CLUSTER, 'dockerconfig'), JSON.stringify({ auths: { 'ghcr.io': { auth: Buffer.from('a:b').toString('base64') } } }));
    await expect(prepareNodes(world.store, completed, configs, () => undefined)).rejects.toThrow('secret dockerconfig of demo.k8s.local changed (or was deleted) since the plan was made; nothing was applied');
    await world.store.delete(secretKey(CLUSTER, 'dockerconfig'));
    await prepareNodes(world.store, completed, await plan(completed), () => undefined);
    expect(await world.store.list(`${CLUSTER}/igconfig/${NODES}/secrets/`)).toEqual([]);
    expect(await world.store.list(`${CLUSTER}/igconfig/${CONTROL_PLANE}/secrets/`)).toEqual([`${CLUSTER}/igconfig/${CONTROL_PLANE}/secrets/encryptionconfig`]);
  });
});
