/**
 * `hoist get addons`: the published channel beside the applier's report, through the command
 * line on a folder store: nothing published yet, published but not applied, then applied,
 * failed (with the API server's error) and pruned as the report says; table, JSON and YAML.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyPlan } from '../../src/engine/apply.js';
import { discoverAll } from '../../src/engine/discover.js';
import { buildPlan } from '../../src/engine/planner.js';
import { openStore } from '../../state-store/open.js';
import { addonStatusKey } from '../../nodeup/addons/channel.js';
import type { AddonStatusReport } from '../../nodeup/addons/channel.js';
import { readChannel } from '../../cloudup/addons/tasks.js';
import { planAddons } from '../../cloudup/addons/plan.js';
import { completedSpecOf } from '../../cloudup/pipeline/spec.js';
import { Clientset } from '../../state-store/clientset.js';
import { hoist, tempDir } from '../support/cli.js';

const NAME = 'get-addons.k8s.local';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let url: string;

beforeAll(async () => {
  dir = await tempDir('hoist-get-addons-');
  url = `file://${join(dir.path, 'state')}`;
  env = { HOIST_STATE_STORE: url, HOIST_CLUSTER_NAME: '' };
  const r = await hoist(['create', 'cluster', NAME], { env });
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => dir.cleanup());

/** Publishes the cluster's addons as `update cluster --yes` does. */
async function publish(): Promise<void> {
  const store = await openStore(url);
  const completed = await completedSpecOf(new Clientset(store), NAME);
  const addons = await planAddons(store, completed, { env: {} });
  const result = buildPlan({ cluster: NAME, cloud: 'local', specRevision: null, tasks: addons.tasks, kinds: addons.kinds }, await discoverAll(addons.kinds, undefined));
  expect((await applyPlan({ result, kinds: addons.kinds, ctx: undefined })).ok).toBe(true);
}

describe('get addons', () => {
  it('says how to publish when nothing is, then lists the channel as not applied yet', async () => {
    const none = await hoist(['get', 'addons', NAME], { env });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stderr).toBe(`No addons are published for ${NAME} yet: hoist update cluster ${NAME} --yes publishes them.\n`);

    await publish();
    const table = await hoist(['get', 'addons', NAME], { env });
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SOURCE\s+VERSION\s+APPLIED\s+PHASE\s+HEALTH$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['core', 'builtin', '1.0.0', 'not applied yet', '-', '-'],
      ['flannel', 'builtin', '0.27.4', 'not applied yet', '-', '-'],
      ['coredns', 'builtin', '1.12.0', 'not applied yet', '-', '-'],
    ]);
  });

  it('shows what the applier reports: applied and healthy, failed with its error, an older manifest, a pruned addon', async () => {
    const store = await openStore(url);
    const channel = (await readChannel(store, NAME))!;
    const sha = (name: string) => channel.addons.find((a) => a.name === name)!.sha256;
    const report: AddonStatusReport = {
      cluster: NAME,
      instanceId: 'i-control-plane-1',
      updatedAt: '2026-12-04T23:30:00Z',
      addons: [
        { name: 'core', version: '1.0.0', sha256: sha('core'), phase: 'Applied', healthy: true, appliedAt: '2026-12-04T23:29:00Z' },
        { name: 'flannel', version: '0.27.4', sha256: sha('flannel'), phase: 'Failed', healthy: false, error: 'DaemonSet kube-system/kube-flannel-ds: admission webhook denied the request' },
        { name: 'coredns', version: '1.11.3', sha256: 'a'.repeat(64), phase: 'Applied', healthy: true },
        { name: 'kindnet', version: 'v20241212-9f82dd49', sha256: 'b'.repeat(64), phase: 'Pruned', healthy: true },
      ],
    };
    await store.put(addonStatusKey(NAME), JSON.stringify(report));

    const table = await hoist(['get', 'addons', NAME], { env });
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.split('\n').slice(1, 5).map((l) => l.split(/\s{2,}/));
    expect(rows).toEqual([
      ['core', 'builtin', '1.0.0', '1.0.0', 'Applied', 'healthy'],
      ['flannel', 'builtin', '0.27.4', '0.27.4', 'Failed', 'unhealthy'],
      ['coredns', 'builtin', '1.12.0', '1.11.3 (older manifest)', 'Applied', 'healthy'],
      ['kindnet', 'removed', '-', 'v20241212-9f82dd49', 'Pruned', 'healthy'],
    ]);
    expect(table.stdout).toContain('\nflannel: DaemonSet kube-system/kube-flannel-ds: admission webhook denied the request\n');
    expect(table.stdout).toContain('\nReported by i-control-plane-1 at 2026-12-04T23:30:00Z.\n');

    const json = await hoist(['get', 'addons', NAME, '-o', 'json'], { env });
    const items = (JSON.parse(json.stdout) as { items: { name: string; upToDate: boolean; applied?: { error?: string } }[] }).items;
    expect(items.map((i) => [i.name, i.upToDate])).toEqual([['core', true], ['flannel', false], ['coredns', false], ['kindnet', true]]);
    expect(items[1]?.applied?.error).toContain('admission webhook denied');
    const yaml = await hoist(['get', 'addons', NAME, '-o', 'yaml'], { env });
    expect((parse(yaml.stdout.split('---\n')[0]!) as { name: string; source: string }).name).toBe('core');
  });

  it('refuses a cluster that does not exist', async () => {
    const r = await hoist(['get', 'addons', 'nope.k8s.local'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cluster nope.k8s.local not found');
  });
});
