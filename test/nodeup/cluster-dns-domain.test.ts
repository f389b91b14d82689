/**
 * spec.clusterDNSDomain changed on a running cluster: every group's nodeup.yaml (and so its
 * hash, which the machines' boot configuration carries) changes, so every machine is out of date;
 * on a control-plane machine nodeup's plan reissues the API server's certificate for
 * kubernetes.default.svc.<domain> and rewrites the kubelet's configuration, and applying it
 * leaves a certificate openssl reads the new name from. nodeup runs in-process under a folder,
 * against a file state store prepared as `update cluster --yes` prepares it.
 */

import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { completeSpec } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { planNodeupConfigs, prepareNodes } from '../../cloudup/nodeup/index.js';
import type { NodeupConfigs } from '../../cloudup/nodeup/index.js';
import { runNodeup } from '../../nodeup/run.js';
import { CLUSTER, CONTROL_PLANE, IDENTITY, nodeWorld } from './support.js';
import type { NodeWorld } from './support.js';

const DOMAIN = 'k8s.internal';
let world: NodeWorld;
let root: string;

beforeAll(async () => {
  world = await nodeWorld();
  root = join(world.dir, 'plane');
  await world.nodeup(CONTROL_PLANE, root);
});
afterAll(() => world.cleanup());

function withDomain(spec: CompletedSpec, domain: string): CompletedSpec {
  return completeSpec({ ...spec.cluster, spec: { ...spec.cluster.spec, clusterDNSDomain: domain } }, spec.instanceGroups);
}

async function nodeup(configs: NodeupConfigs, dryRun: boolean) {
  const bootFile = join(world.dir, 'boot-dns-domain.yaml');
  await writeFile(bootFile, `# hoist boot configuration\n${stringify({ stateStore: world.stateStore, cluster: CLUSTER, instanceGroup: CONTROL_PLANE, configHash: configs.get(CONTROL_PLANE)?.hash })}`);
  const id = IDENTITY[CONTROL_PLANE]!;
  return runNodeup({ bootFile, root, dryRun, env: {}, events: () => undefined, instanceId: id.instanceId, address: id.address, store: world.store });
}

const sansOf = (file: string) => execFileSync('openssl', ['x509', '-in', file, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
const kubeletDomain = async () => (parse(await readFile(join(root, 'var/lib/kubelet/config.yaml'), 'utf8')) as { clusterDomain: string }).clusterDomain;

describe('changing spec.clusterDNSDomain on a running cluster', () => {
  it('starts from cluster.local', async () => {
    expect(sansOf(join(root, 'etc/kubernetes/pki/apiserver.crt'))).toContain('DNS:kubernetes.default.svc.cluster.local');
    expect(await kubeletDomain()).toBe('cluster.local');
  });

  it('changes every group\'s nodeup.yaml hash (the machines roll), reissues the API server\'s certificate and rewrites the kubelet\'s configuration', async () => {
    const changed = withDomain(world.completed, DOMAIN);
    const configs = await planNodeupConfigs(changed, { stateStore: world.stateStore, env: { HOIST_LOCAL_CLOUD_DIR: world.cloudDir }, events: () => undefined });
    expect([...configs.keys()].sort()).toEqual([...world.configs.keys()].sort());
    for (const [ig, config] of configs) {
      expect(config.hash, ig).not.toBe(world.configs.get(ig)?.hash);
      expect(config.config.kubelet?.clusterDomain, ig).toBe(DOMAIN);
    }
    // The default written out is no change at all.
    const same = await planNodeupConfigs(withDomain(world.completed, 'cluster.local'), { stateStore: world.stateStore, env: { HOIST_LOCAL_CLOUD_DIR: world.cloudDir }, events: () => undefined });
    for (const [ig, config] of same) expect(config.hash, ig).toBe(world.configs.get(ig)?.hash);

    await prepareNodes(world.store, changed, configs, () => undefined);
    const plan = await nodeup(configs, true);
    const acting = plan.plan.changes.filter((c) => c.action !== 'noop');
    const cert = acting.find((c) => c.kind === 'Certificate' && c.name === 'kube-apiserver');
    expect(cert?.action).toMatch(/^(update|replace)$/);
    expect(cert?.changes.map((f) => f.path)).toContain('dnsNames');
    expect(acting.map((c) => c.id)).toContain('File//var/lib/kubelet/config.yaml');

    const applied = await nodeup(configs, false);
    expect(applied.applied).toBeGreaterThan(0);
    const sans = sansOf(join(root, 'etc/kubernetes/pki/apiserver.crt'));
    expect(sans).toContain(`DNS:kubernetes.default.svc.${DOMAIN}`);
    expect(sans).not.toContain('cluster.local');
    expect(await kubeletDomain()).toBe(DOMAIN);
    expect((await nodeup(configs, true)).plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
  });
});
