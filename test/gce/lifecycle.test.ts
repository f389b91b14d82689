/**
 * A cluster's life on GCE, against the fake Compute API through the CLI: create, apply, no
 * changes on a second plan, a machine type change as a new instance template and the groups'
 * switch to it only, the out-of-date instances replaced through their groups (rolling-update
 * --cloudonly, then draining through a Kubernetes API test server), and delete leaving nothing
 * of the cluster while other objects stay.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { InstanceGroup } from '../../src/api/index.js';
import { createContext } from '../../src/cli/context.js';
import { runRollingUpdate } from '../../src/cli/rolling-update.js';
import type { Plan } from '../../src/engine/plan.js';
import { textEventSink } from '../../src/output/io.js';
import { writeInstanceStatus } from '../../nodeup/status.js';
import { openStore } from '../../state-store/open.js';
import { hoist, tempDir } from '../support/cli.js';
import { startFakeKubeApi } from '../support/fake-kube-api.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake, useAssetMirror, waitFor } from './support.js';

const NAME = 'life.gce.example.com';
const SAFE = 'life-gce-example-com';
const OWNER = `hoist.dev/cluster=${NAME}`;
let fake: FakeCompute;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${fake.url}/compute/v1/projects/${PROJECT}/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return (await res.json()) as Readonly<Record<string, unknown>>;
};
const planJson = async (): Promise<Plan> => {
  const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
  expect(planned.code, planned.stderr).toBe(0);
  return JSON.parse(planned.stdout) as Plan;
};
/** Everything of the cluster the fake holds: by its description, or by its label. */
const owned = () =>
  ['networks', 'subnetworks', 'firewalls', 'instanceTemplates', 'instanceGroupManagers', 'targetPools', 'httpHealthChecks', 'routers', 'addresses', 'forwardingRules', 'disks', 'instances'].flatMap((c) =>
    fake.resources(c).filter((r) => r.description === OWNER || (r.labels as Record<string, string> | undefined)?.['hoist-dev-cluster'] === SAFE).map((r) => `${c}/${String(r.name)}`),
  );
const running = () => fake.resources('instances').filter((i) => i.status === 'RUNNING').length;

beforeAll(async () => {
  fake = await startFake();
  dir = await tempDir('hoist-gce-');
  env = cliEnv(fake, `file://${join(dir.path, 'state')}`);
  const created = await run(['create', 'cluster', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '2']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  // Objects of someone else in the same project: delete cluster must leave them.
  await api('POST', 'global/networks', { name: 'other-network', autoCreateSubnetworks: false });
  await api('POST', 'zones/us-central1-a/disks', { name: 'other-disk', sizeGb: '10', labels: { 'hoist-dev-cluster': 'other-example-com' } });
});

afterAll(async () => {
  await fake?.stop();
  await dir?.cleanup();
});

describe('a cluster on GCE (fake Compute API)', () => {
  it('applies: every resource exists with its owner mark, and the groups run their instances', async () => {
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Cluster changes have been applied to the cloud.');
    expect(owned().filter((r) => !r.startsWith('instances/')).sort()).toEqual([
      'addresses/api-life-gce-example-com',
      'disks/a-etcd-events-life-gce-example-com',
      'disks/a-etcd-main-life-gce-example-com',
      ...['api-access', 'api-health-check', 'control-plane-to-all', 'node-to-control-plane', 'node-to-node', 'pod-cidr-to-all', 'ssh-access'].map((r) => `firewalls/${r}-${SAFE}`),
      `forwardingRules/api-${SAFE}`,
      `httpHealthChecks/api-${SAFE}`,
      `instanceGroupManagers/a-control-plane-us-central1-a-${SAFE}`,
      `instanceGroupManagers/a-nodes-us-central1-a-${SAFE}`,
      ...fake.resources('instanceTemplates').map((t) => `instanceTemplates/${String(t.name)}`).sort(),
      `networks/${SAFE}`,
      `subnetworks/us-central1-${SAFE}`,
      `targetPools/api-${SAFE}`,
    ].sort());
    expect(fake.resources('instanceTemplates')).toHaveLength(2);
    await waitFor('three running instances', () => running() === 3);
    const cp = fake.resources('instances').find((i) => String(i.name).startsWith('control-plane'))!;
    expect(cp.labels).toMatchObject({ 'hoist-dev-cluster': SAFE, [`kubernetes-io-cluster-${SAFE}`]: 'owned', 'hoist-dev-role': 'control-plane', 'hoist-dev-instancegroup': 'control-plane-us-central1-a' });
    expect((cp.tags as { items: string[] }).items).toEqual([`${SAFE}-control-plane`]);
    // The boot script, pinning the group's configuration and the nodeup bundle update cluster published.
    const script = (cp.metadata as { items: { key: string; value: string }[] }).items.find((i) => i.key === 'startup-script')!.value;
    expect(script).toContain(`cluster: ${NAME}`);
    expect(script).toMatch(/configHash: sha256:[0-9a-f]{64}/);
    expect(script).toMatch(new RegExp(`NODEUP_URL='[^']*/${NAME.replaceAll('.', '\\.')}/nodeup/[0-9a-f]{64}/nodeup\\.mjs'`));
    const pool = await api('GET', `regions/us-central1/targetPools/api-${SAFE}`);
    expect(pool.instances).toEqual([cp.selfLink]);
    const rule = await api('GET', `regions/us-central1/forwardingRules/api-${SAFE}`);
    const address = await api('GET', `regions/us-central1/addresses/api-${SAFE}`);
    expect(rule).toMatchObject({ IPAddress: address.address, portRange: '6443-6443', target: pool.selfLink });
    expect(address.status).toBe('IN_USE');
  });

  it('plans no changes right after, in one listing per kind', async () => {
    const before = fake.requests.length;
    const plan = await planJson();
    expect(plan.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0, noop: 32 });
    expect(plan.stats.apiCalls).toBe(15);
    // And one read of the API address: a cluster without a DNS zone (topology.dns.type None)
    // names its API by it in the machines' configuration.
    expect(fake.requests.length - before).toBe(16);
    const text = await run(['update', 'cluster', NAME]);
    expect(text.stdout).toContain(`No changes: the cloud matches the spec of ${NAME} (32 resources checked).`);
  });

  it('a machine type change is a new instance template and the groups\' switch to it, nothing else', async () => {
    const got = await run(['get', 'instancegroup', 'nodes-us-central1-a', '--name', NAME, '-o', 'yaml']);
    const ig = parse(got.stdout) as InstanceGroup;
    const replaced = await run(['replace', '-f', '-'], stringify({ ...ig, spec: { ...ig.spec, machineType: 'e2-standard-4' } }));
    expect(replaced.code, replaced.stderr).toBe(0);
    const plan = await planJson();
    const changes = plan.changes.filter((c) => c.action !== 'noop').map((c) => [c.action, c.id, c.changes.map((f) => f.path).join(',')]);
    const old = fake.resources('instanceTemplates').find((t) => String(t.name).startsWith('nodes-'))!.name;
    expect(changes).toEqual([
      ['create', expect.stringMatching(new RegExp(`^InstanceTemplate/nodes-us-central1-a-${SAFE}-[0-9a-f]{8}$`)), expect.stringContaining('machineType')],
      ['update', `InstanceGroupManager/a-nodes-us-central1-a-${SAFE}`, 'instanceTemplate'],
      ['delete', `InstanceTemplate/${String(old)}`, ''],
    ]);
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(fake.resources('instanceTemplates').map((t) => (t.properties as { machineType: string }).machineType).sort()).toEqual(['e2-medium', 'e2-standard-4']);
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  });

  it('rolling-update --cloudonly replaces the out-of-date instances through their groups', async () => {
    const before = (await run(['rolling-update', 'cluster', NAME])).stdout;
    expect(before).toMatch(/nodes-us-central1-a\s+NeedsUpdate\s+2/);
    expect(before).toMatch(/control-plane-us-central1-a\s+Ready\s+0/);
    const oldIds = fake.resources('instances').filter((i) => String(i.name).startsWith('nodes-')).map((i) => i.id);
    let err = '';
    const ctx = createContext({ out: () => undefined, err: (t) => void (err += t), events: textEventSink((t) => void (err += t), false), env, cwd: process.cwd(), verbose: false, interactive: false, ask: async () => '', readStdin: async () => '' }, {}, 'rolling-update cluster');
    const code = await runRollingUpdate(NAME, { yes: true, cloudonly: true, instanceGroup: [], instanceGroupRoles: [], validationTimeout: 30_000, validateCount: 1, nodeInterval: 0, controlPlaneInterval: 0, drainTimeout: 5_000, failOnValidateError: true, pollMs: 50 }, ctx);
    expect(code, err).toBe(0);
    const nodes = fake.resources('instances').filter((i) => String(i.name).startsWith('nodes-'));
    expect(nodes).toHaveLength(2);
    expect(nodes.every((i) => !oldIds.includes(i.id) && i.status === 'RUNNING')).toBe(true);
    expect(nodes.every((i) => String(i.machineType).endsWith('/e2-standard-4'))).toBe(true);
    expect((await api('GET', `zones/us-central1-a/instanceGroupManagers/a-nodes-us-central1-a-${SAFE}`)).targetSize).toBe(2);
    expect((await run(['rolling-update', 'cluster', NAME])).stdout).toContain('No rolling update is needed.');
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  });

  it('rolling-update without --cloudonly drains each old node through the Kubernetes API, by its instance name', async () => {
    // What the machines would do on GCE: register their node (named like the instance) and report Ready.
    const kube = await startFakeKubeApi();
    const store = await openStore(`file://${join(dir.path, 'state')}`);
    const known = new Set<string>();
    const report = async () => {
      for (const i of fake.resources('instances').filter((r) => r.status === 'RUNNING' && !known.has(String(r.name)))) {
        const name = String(i.name);
        known.add(name);
        kube.nodes.set(name, { unschedulable: false });
        if (name.startsWith('nodes-')) kube.pod(name, `app-${name}`, { owner: 'ReplicaSet' });
        const group = (i.labels as Record<string, string>)['hoist-dev-instancegroup'] ?? '';
        await writeInstanceStatus(store, { instanceId: name, cluster: NAME, instanceGroup: group, phase: 'Ready', configHash: 'sha256:reported', updatedAt: new Date().toISOString() });
      }
    };
    let reporting = true;
    await report();
    const reporter = (async () => {
      while (reporting) {
        await report();
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      const oldNames = fake.resources('instances').filter((i) => String(i.name).startsWith('nodes-')).map((i) => String(i.name));
      let err = '';
      const ctx = createContext({ out: () => undefined, err: (t) => void (err += t), events: textEventSink((t) => void (err += t), false), env, cwd: process.cwd(), verbose: false, interactive: false, ask: async () => '', readStdin: async () => '' }, {}, 'rolling-update cluster');
      const code = await runRollingUpdate(NAME, { yes: true, force: true, instanceGroup: ['nodes-us-central1-a'], instanceGroupRoles: [], validationTimeout: 30_000, validateCount: 1, nodeInterval: 0, controlPlaneInterval: 0, drainTimeout: 10_000, failOnValidateError: true, kubeconfig: kube.kubeconfig('admin', NAME), pollMs: 50 }, ctx);
      expect(code, err).toBe(0);
      expect(oldNames).toHaveLength(2);
      for (const name of oldNames) {
        expect(kube.nodes.get(name)?.unschedulable).toBe(true);
        expect(kube.log).toContain(`POST /api/v1/namespaces/default/pods/app-${name}/eviction`);
      }
      const now = fake.resources('instances').filter((i) => String(i.name).startsWith('nodes-') && i.status === 'RUNNING').map((i) => String(i.name));
      expect(now).toHaveLength(2);
      expect(now.filter((n) => oldNames.includes(n))).toEqual([]);
    } finally {
      reporting = false;
      await reporter;
      await kube.stop();
    }
  });

  it('delete cluster leaves nothing of the cluster, and the project\'s other objects', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(owned()).toEqual([]);
    expect(fake.resources('networks').map((n) => n.name)).toEqual(['other-network']);
    expect(fake.resources('disks').map((d) => d.name)).toEqual(['other-disk']);
    expect(fake.requests.filter((r) => r.status >= 500)).toEqual([]);
  });
});
