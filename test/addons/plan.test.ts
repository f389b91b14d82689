/**
 * Addon changes in the plan and their publication, against a real folder state store: the first
 * plan creates every addon and the channel index, an apply writes the manifests before the index
 * and a second plan has no changes; switching the network plugin deletes the old addon and
 * creates the new one (its manifests removed only after the index stops naming them); an older
 * version in the channel shows as an update with its diff on request; a user addon from file://.
 * The Addon and AddonChannel kinds run through the engine's planner and executor, as
 * `update cluster` runs them, without a cloud.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, CompletedSpec } from '../../src/api/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import { discoverAll } from '../../src/engine/discover.js';
import { hasChanges } from '../../src/engine/plan.js';
import type { Plan } from '../../src/engine/plan.js';
import { buildPlan } from '../../src/engine/planner.js';
import { renderPlanText } from '../../src/engine/render-text.js';
import { openStore } from '../../state-store/open.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { AddonChannelSchema, addonChannelKey, addonManifestKey } from '../../nodeup/addons/channel.js';
import type { AddonChannel } from '../../nodeup/addons/channel.js';
import { planAddons } from '../../cloudup/addons/plan.js';
import { sha256 } from '../../cloudup/addons/render.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const NAME = 'addons-plan.k8s.local';
let dir: string;
let store: ObjectStore;
/** Every write and delete of the store, in order. */
const writes: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-addons-plan-'));
  const inner = await openStore(pathToFileURL(dir).href);
  store = {
    url: inner.url,
    get: (k) => inner.get(k),
    list: (p) => inner.list(p),
    put: async (k, b, c) => {
      writes.push(`put ${k}`);
      return inner.put(k, b, c);
    },
    delete: async (k, c) => {
      writes.push(`delete ${k}`);
      return inner.delete(k, c);
    },
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spec(extra: Partial<{ -readonly [K in keyof ClusterSpec]: ClusterSpec[K] }> = {}): CompletedSpec {
  const made = newClusterSpec({ name: NAME, cloud: 'local', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...extra } };
  return completeSpec(cluster, made.instanceGroups);
}

async function plan(completed: CompletedSpec, diff = false) {
  const addons = await planAddons(store, completed, { env: {}, diff });
  const discovered = await discoverAll(addons.kinds, undefined);
  const result = buildPlan({ cluster: NAME, cloud: 'local', specRevision: 1, tasks: addons.tasks, kinds: addons.kinds }, discovered);
  return { ...addons, result, plan: result.plan, text: renderPlanText(result.plan) };
}

async function apply(planned: Awaited<ReturnType<typeof plan>>): Promise<void> {
  const applied = await applyPlan({ result: planned.result, kinds: planned.kinds, ctx: undefined, executor: { parallelism: 4 } });
  expect(applied.failures.map((f) => `${f.id}: ${String(f.error)}`)).toEqual([]);
  expect(applied.ok).toBe(true);
}

async function channel(): Promise<AddonChannel> {
  const object = await store.get(addonChannelKey(NAME));
  expect(object).toBeDefined();
  return AddonChannelSchema.parse(parse(Buffer.from(object!.body).toString('utf8')));
}

const actions = (p: Plan) => p.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.id}`);

describe('addons in the plan', () => {
  it('creates every addon and the index, writes the manifests first, then has no changes', async () => {
    const first = await plan(spec());
    expect(actions(first.plan)).toEqual(['create Addon/core', 'create Addon/coredns', 'create Addon/flannel', `create AddonChannel/${NAME}`]);
    expect(first.text).toContain('Addons:\n  Will create addon core 1.0.0\n  Will create addon coredns 1.12.0\n  Will create addon flannel 0.27.4\n  Will publish the addon channel index (3 addons), after the manifests\n');
    expect(first.text).toContain('Plan: 4 to create, 0 to modify, 0 to replace, 0 to delete (0 unchanged).');
    const coredns = first.plan.changes.find((c) => c.id === 'Addon/coredns')!;
    expect(coredns.changes.find((f) => f.path === 'version')?.after).toBe('1.12.0');
    expect(JSON.parse(JSON.stringify(first.plan)).changes.map((c: { kind: string }) => c.kind)).toEqual(['Addon', 'Addon', 'Addon', 'AddonChannel']);

    writes.length = 0;
    await apply(first);
    const index = writes.indexOf(`put ${addonChannelKey(NAME)}`);
    expect(index).toBe(writes.length - 1);
    expect(writes.filter((w) => w.startsWith('put ') && w.endsWith('.yaml') && !w.endsWith('channel.yaml'))).toHaveLength(3);

    const published = await channel();
    expect(published.addons.map((a) => `${a.name} ${a.version} ${a.source}`)).toEqual(['core 1.0.0 builtin', 'flannel 0.27.4 builtin', 'coredns 1.12.0 builtin']);
    for (const a of published.addons) {
      const manifest = await store.get(addonManifestKey(NAME, a.name, a.sha256));
      expect(sha256(Buffer.from(manifest!.body).toString('utf8'))).toBe(a.sha256);
    }
    expect(published.addons.find((a) => a.name === 'coredns')?.health).toEqual([{ kind: 'Deployment', namespace: 'kube-system', name: 'coredns' }]);

    const again = await plan(spec());
    expect(hasChanges(again.plan)).toBe(false);
    expect(again.text).toBe(`No changes: the cloud matches the spec of ${NAME} (4 resources checked).\n`);
  });

  it('switching the network plugin deletes the old addon after the index stops naming it, and creates the new one', async () => {
    const switched = await plan(spec({ networking: { kindnet: {} } }));
    expect(actions(switched.plan)).toEqual(['create Addon/kindnet', `update AddonChannel/${NAME}`, 'delete Addon/flannel']);
    expect(switched.text).toContain('  Will create addon kindnet v20241212-9f82dd49\n');
    expect(switched.text).toContain('  Will delete addon flannel (no longer in the spec)\n');
    expect(switched.text).toContain('  Will update the addon channel index (3 addons), after the manifests\n');
    const flannel = (await channel()).addons.find((a) => a.name === 'flannel')!;

    writes.length = 0;
    await apply(switched);
    const at = (w: string) => writes.indexOf(w);
    const kindnetPut = writes.findIndex((w) => w.startsWith(`put ${NAME}/addons/kindnet/`));
    expect(kindnetPut).toBeGreaterThanOrEqual(0);
    expect(at(`put ${addonChannelKey(NAME)}`)).toBeGreaterThan(kindnetPut);
    expect(at(`delete ${addonManifestKey(NAME, 'flannel', flannel.sha256)}`)).toBeGreaterThan(at(`put ${addonChannelKey(NAME)}`));
    expect(await store.list(`${NAME}/addons/flannel/`)).toEqual([]);
    expect((await channel()).addons.map((a) => a.name)).toEqual(['core', 'kindnet', 'coredns']);
    expect(hasChanges((await plan(spec({ networking: { kindnet: {} } }))).plan)).toBe(false);
  });

  it('shows an older version in the channel as an update, with the manifest diff on request, once', async () => {
    // The channel as an older hoist published it: CoreDNS 1.11.3.
    const current = await channel();
    const coredns = current.addons.find((a) => a.name === 'coredns')!;
    const newer = Buffer.from((await store.get(addonManifestKey(NAME, 'coredns', coredns.sha256)))!.body).toString('utf8');
    const older = newer.replaceAll('1.12.0', '1.11.3');
    const olderSha = sha256(older);
    await store.put(addonManifestKey(NAME, 'coredns', olderSha), older);
    const index = { ...current, addons: current.addons.map((a) => (a.name === 'coredns' ? { ...a, version: '1.11.3', sha256: olderSha } : a)) };
    await store.put(addonChannelKey(NAME), JSON.stringify(index));

    const kindnet = spec({ networking: { kindnet: {} } });
    const bump = await plan(kindnet);
    expect(actions(bump.plan)).toEqual(['update Addon/coredns', `update AddonChannel/${NAME}`]);
    expect(bump.text).toContain('  Will update addon coredns 1.11.3 → 1.12.0\n');
    expect(bump.text).not.toContain('coredns.yaml');

    const diffed = await plan(kindnet, true);
    expect(diffed.text).toContain('  Will update addon coredns 1.11.3 → 1.12.0\n');
    expect(diffed.text).toContain('      -          image: registry.k8s.io/coredns/coredns:v1.11.3\n      +          image: registry.k8s.io/coredns/coredns:v1.12.0\n');

    await apply(bump);
    expect((await channel()).addons.find((a) => a.name === 'coredns')?.version).toBe('1.12.0');
    expect(hasChanges((await plan(kindnet)).plan)).toBe(false);
    expect(hasChanges((await plan(kindnet, true)).plan)).toBe(false);
  });

  it('names a manifest that changed at the same version by its hashes', async () => {
    const mirrored = await plan(spec({ networking: { kindnet: {} }, assets: { containerRegistry: 'mirror.example.com' } }));
    expect(mirrored.text).toMatch(/ {2}Will update addon coredns \(same version, manifest changed: sha256 [0-9a-f]{12} → [0-9a-f]{12}\)\n/);
  });

  it('publishes a user addon from file:// after the builtin ones', async () => {
    const file = join(dir, 'team-monitoring.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: monitoring\ndata:\n  level: info\n');
    const url = pathToFileURL(file).href;
    const completed = spec({ networking: { kindnet: {} }, addons: [{ manifest: url }] });
    const withUser = await plan(completed);
    expect(actions(withUser.plan)).toEqual(['create Addon/team-monitoring', `update AddonChannel/${NAME}`]);
    expect(withUser.text).toMatch(new RegExp(` {2}Will create addon team-monitoring [0-9a-f]{12} from ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    await apply(withUser);
    const entry = (await channel()).addons.at(-1)!;
    expect(entry).toMatchObject({ name: 'team-monitoring', source: 'user', from: url });
    const manifest = Buffer.from((await store.get(addonManifestKey(NAME, entry.name, entry.sha256)))!.body).toString('utf8');
    expect(manifest).toContain('addons.hoist.dev/name: team-monitoring');
    expect(hasChanges((await plan(completed)).plan)).toBe(false);
  });
});
