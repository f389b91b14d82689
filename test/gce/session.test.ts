/**
 * The GCE session against the fake, driven through the engine: discovery costs one call per
 * kind however many groups and zones; transient errors are retried and counted; a create whose
 * answer was lost is adopted; labels and disk sizes change in place; an etcd member's disk outlives
 * its member until a teardown; instances are listed and
 * replaced through their groups, in place or with a surge.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { CompletedSpec, InstanceGroup } from '../../src/api/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import { discoverAll } from '../../src/engine/discover.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { Plan } from '../../src/engine/plan.js';
import { silent } from '../../src/output/events.js';
import { buildGceTasks } from '../../cloudup/gce/model/index.js';
import { REGIONAL_GROUP_ANNOTATION } from '../../cloudup/gce/regional.js';
import { openGceSession } from '../../cloudup/gce/session.js';
import type { GceSession } from '../../cloudup/gce/session.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, computeOptions, startFake, waitFor } from './support.js';
import { testBoot } from '../support/boot.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

let fake: FakeCompute;
const BOOT = testBoot({ stateStore: 'file:///var/hoist/state', configHash: () => 'sha256:0' });

beforeAll(async () => {
  fake = await startFake();
});

afterAll(async () => {
  await fake?.stop();
});

/** A cluster with `extra` more node groups, spread over `zones`. */
function spec(name: string, zones: readonly string[], extra: number, edit: (s: ReturnType<typeof newClusterSpec>) => ReturnType<typeof newClusterSpec> = (s) => s, nodeCount = zones.length): CompletedSpec {
  const s = edit(newClusterSpec({ name, cloud: 'gce', zones: [...zones], project: PROJECT, kubernetesVersion: '1.34.0', nodeCount }, SPEC_RULES));
  const base = s.instanceGroups.find((ig) => ig.spec.role === 'Node')!;
  const more = Array.from({ length: extra }, (_, i): InstanceGroup => ({ ...base, metadata: { ...base.metadata, name: `pool-${i}` }, spec: { ...base.spec, minSize: 1, maxSize: 1, zones: [zones[i % zones.length]!] } }));
  return completeSpec(s.cluster, [...s.instanceGroups, ...more]);
}

async function open(completed: CompletedSpec): Promise<GceSession> {
  return openGceSession(completed, { purpose: 'reconcile', env: {}, events: silent, compute: computeOptions(fake), sleep: async () => undefined });
}

async function plan(session: GceSession, completed: CompletedSpec) {
  const before = session.apiCalls();
  const discovered = await discoverAll(session.kinds, session.ctx);
  const calls = session.apiCalls() - before;
  const result = buildPlan({ cluster: completed.cluster.metadata.name, cloud: 'gce', specRevision: null, tasks: buildGceTasks(completed, BOOT), kinds: session.kinds, stats: { apiCalls: calls, discoveryMs: 0 } }, discovered);
  return { result, calls };
}

async function converge(session: GceSession, completed: CompletedSpec): Promise<Plan> {
  const { result } = await plan(session, completed);
  const applied = await applyPlan({ result, kinds: session.kinds, ctx: session.ctx, executor: { isRetryable: session.isRetryable, retry: { baseDelayMs: 5, maxDelayMs: 50 } } });
  expect(applied.failures.map((f) => `${f.id}: ${String(f.error)}`)).toEqual([]);
  return result.plan;
}

const pending = (p: Plan) => p.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.id}`);

describe('the GCE session', () => {
  it('discovers in one call per kind, however many groups and zones', async () => {
    const small = spec('small.gce.example.com', ['us-central1-a'], 0);
    const large = spec('large.gce.example.com', ['us-central1-a', 'us-central1-b', 'us-central1-c'], 12);
    const figures: Record<string, { groups: number; tasks: number; calls: number; requests: number }> = {};
    for (const completed of [small, large]) {
      const session = await open(completed);
      await converge(session, completed);
      const before = fake.requests.length;
      const { result, calls } = await plan(session, completed);
      expect(pending(result.plan)).toEqual([]);
      figures[completed.cluster.metadata.name] = { groups: completed.instanceGroups.length, tasks: result.plan.stats.tasks, calls, requests: fake.requests.length - before };
      await session.close();
    }
    expect(figures).toEqual({
      'small.gce.example.com': { groups: 2, tasks: 26, calls: 15, requests: 15 },
      'large.gce.example.com': { groups: 16, tasks: 96, calls: 15, requests: 15 },
    });
  });

  it('retries throttling and 5xx, counting every attempt, and creates nothing twice', async () => {
    const completed = spec('flaky.gce.example.com', ['us-central1-a'], 0);
    const session = await open(completed);
    fake.failNext({ method: 'GET', path: /\/global\/firewalls$/, status: 503, times: 2 });
    fake.failNext({ method: 'POST', path: /\/global\/networks$/, status: 429 });
    fake.failNext({ method: 'POST', path: /\/instanceTemplates$/, status: 500, times: 2 });
    const before = fake.requests.length;
    const calls = session.apiCalls();
    await converge(session, completed);
    expect(session.apiCalls() - calls).toBe(fake.requests.length - before);
    expect(fake.requests.slice(before).filter((r) => r.status >= 429).length).toBe(5);
    expect(fake.resources('networks').filter((n) => n.name === 'flaky-gce-example-com')).toHaveLength(1);
    expect(pending((await plan(session, completed)).result.plan)).toEqual([]);
    await session.close();
  });

  it('adopts an object of its own whose create answer was lost, and refuses one of someone else', async () => {
    const insert = (name: string, description: string) =>
      fetch(`${fake.url}/compute/v1/projects/${PROJECT}/global/networks`, { method: 'POST', body: JSON.stringify({ name, description, autoCreateSubnetworks: false }) });
    const mine = spec('adopt.gce.example.com', ['us-central1-a'], 0);
    const session = await open(mine);
    const { result } = await plan(session, mine);
    expect(pending(result.plan)).toContain('create Network/adopt-gce-example-com');
    // The first attempt reached GCE, its answer did not reach hoist: the network exists when the plan is applied.
    await insert('adopt-gce-example-com', 'hoist.dev/cluster=adopt.gce.example.com');
    const applied = await applyPlan({ result, kinds: session.kinds, ctx: session.ctx, executor: { isRetryable: session.isRetryable } });
    expect(applied.failures).toEqual([]);
    expect(fake.resources('networks').filter((n) => n.name === 'adopt-gce-example-com')).toHaveLength(1);
    expect(pending((await plan(session, mine)).result.plan)).toEqual([]);
    await session.close();

    const theirs = spec('taken.gce.example.com', ['us-central1-a'], 0);
    await insert('taken-gce-example-com', 'made by hand');
    const other = await open(theirs);
    const refused = await applyPlan({ result: (await plan(other, theirs)).result, kinds: other.kinds, ctx: other.ctx, executor: { isRetryable: other.isRetryable } });
    const failure = refused.failures.find((f) => f.id === 'Network/taken-gce-example-com');
    expect(String(failure?.error)).toContain('Network/taken-gce-example-com already exists in project hoist-test and does not belong to cluster taken.gce.example.com');
    expect(fake.resources('networks').find((n) => n.name === 'taken-gce-example-com')?.description).toBe('made by hand');
    await other.close();
  });

  it('uses a shared network without owning it: a teardown deletes only what the cluster made', async () => {
    await fetch(`${fake.url}/compute/v1/projects/${PROJECT}/global/networks`, { method: 'POST', body: JSON.stringify({ name: 'shared-vpc', autoCreateSubnetworks: false }) });
    const completed = spec('shared.gce.example.com', ['us-central1-a'], 0, (s) => ({ ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, networkID: 'shared-vpc', networkCIDR: '10.9.0.0/16', subnets: [{ name: 'us-central1', region: 'us-central1', type: 'Public', cidr: '10.9.0.0/20' }] } } }));
    const session = await open(completed);
    const created = await converge(session, completed);
    expect(created.changes.find((c) => c.id === 'Network/shared-vpc')?.action).toBe('noop');
    expect(fake.resources('subnetworks').find((n) => n.name === 'us-central1-shared-gce-example-com')?.network).toMatch(/\/global\/networks\/shared-vpc$/);
    const discovered = await discoverAll(session.kinds, session.ctx);
    const teardown = buildPlan({ cluster: 'shared.gce.example.com', cloud: 'gce', specRevision: null, tasks: [], kinds: session.kinds }, discovered);
    expect(teardown.plan.changes.map((c) => c.id)).not.toContain('Network/shared-vpc');
    const applied = await applyPlan({ result: teardown, kinds: session.kinds, ctx: session.ctx, executor: { isRetryable: session.isRetryable, retry: { baseDelayMs: 5, maxDelayMs: 50 } } });
    expect(applied.failures).toEqual([]);
    expect(fake.resources('networks').some((n) => n.name === 'shared-vpc')).toBe(true);
    expect(fake.resources('subnetworks').filter((n) => String(n.network).endsWith('/shared-vpc'))).toEqual([]);
    await session.close();
  });

  it('changes labels and disk sizes in place, and will not shrink a disk', async () => {
    const withLabels = (labels: Record<string, string>, size: number) => (s: ReturnType<typeof newClusterSpec>) => ({
      ...s,
      cluster: { ...s.cluster, spec: { ...s.cluster.spec, cloudLabels: labels, etcdClusters: s.cluster.spec.etcdClusters!.map((e) => ({ ...e, etcdMembers: e.etcdMembers.map((m) => ({ ...m, volumeSize: size })) })) } },
    });
    const first = spec('labels.gce.example.com', ['us-central1-a'], 0, withLabels({ team: 'a' }, 20));
    const session = await open(first);
    await converge(session, first);
    const second = spec('labels.gce.example.com', ['us-central1-a'], 0, withLabels({ team: 'b', Cost_Center: 'X1' }, 30));
    const changed = await converge(session, second);
    const updates = changed.changes.filter((c) => c.action === 'update').map((c) => c.kind);
    expect(new Set(updates)).toEqual(new Set(['Address', 'ForwardingRule', 'Disk', 'InstanceGroupManager']));
    const disk = fake.resources('disks').find((d) => d.name === 'a-etcd-main-labels-gce-example-com')!;
    expect([disk.sizeGb, disk.labels]).toEqual(['30', expect.objectContaining({ team: 'b', 'cost_center': 'x1' })]);
    const shrunk = spec('labels.gce.example.com', ['us-central1-a'], 0, withLabels({ team: 'b', Cost_Center: 'X1' }, 10));
    const { result } = await plan(session, shrunk);
    const applied = await applyPlan({ result, kinds: session.kinds, ctx: session.ctx });
    expect(applied.failures.map((f) => String(f.error))).toEqual([
      expect.stringContaining('a persistent disk can grow but not shrink (asked for 10 GB)'),
      expect.stringContaining('a persistent disk can grow but not shrink (asked for 10 GB)'),
    ]);
    await session.close();
  });

  it('keeps the disk of an etcd member that left the spec, and a teardown deletes it', async () => {
    const completed = spec('kept.gce.example.com', ['us-central1-a'], 0);
    const session = await open(completed);
    await converge(session, completed);
    // The events member's disk has no task any more, as when its member leaves the spec.
    const gone = 'Disk/a-etcd-events-kept-gce-example-com';
    const without = buildGceTasks(completed, BOOT).filter((t) => `${t.kind}/${t.name}` !== gone);
    const planWithout = async (s: GceSession) =>
      buildPlan({ cluster: 'kept.gce.example.com', cloud: 'gce', specRevision: null, tasks: without, kinds: s.kinds, stats: { apiCalls: 0, discoveryMs: 0 } }, await discoverAll(s.kinds, s.ctx)).plan;
    expect(pending(await planWithout(session))).toEqual([]);
    await session.close();
    const teardown = await openGceSession(completed, { purpose: 'teardown', env: {}, events: silent, compute: computeOptions(fake), sleep: async () => undefined });
    expect(pending(await planWithout(teardown))).toContain(`delete ${gone}`);
    await teardown.close();
  });

  it('lists instances with their templates and replaces them through the group, in place or with a surge', async () => {
    const completed = spec('roll.gce.example.com', ['us-central1-a'], 0, (s) => s, 2);
    const session = await open(completed);
    await converge(session, completed);
    await waitFor('running instances', async () => (await session.listInstances()).filter((i) => i.state === 'RUNNING').length === 3);
    const bigger = spec('roll.gce.example.com', ['us-central1-a'], 0, (s) => ({ ...s, instanceGroups: s.instanceGroups.map((ig) => (ig.spec.role === 'Node' ? { ...ig, spec: { ...ig.spec, machineType: 'e2-standard-2' } } : ig)) }), 2);
    await converge(session, bigger);

    const calls = session.apiCalls();
    const listed = await session.listInstances();
    expect(session.apiCalls() - calls).toBe(2);
    const outdated = listed.filter((i) => i.needsUpdate);
    expect(outdated.map((i) => [i.instanceGroup, i.role, i.groupManager])).toEqual([
      ['nodes-us-central1-a', 'node', 'a-nodes-us-central1-a-roll-gce-example-com'],
      ['nodes-us-central1-a', 'node', 'a-nodes-us-central1-a-roll-gce-example-com'],
    ]);
    expect(outdated[0]!.template).not.toBe(outdated[0]!.groupTemplate);

    const fast = { pollMs: 20, timeoutMs: 10_000 };
    await session.replaceInstance('nodes-us-central1-a', outdated[0]!.name, fast);
    await session.replaceInstance('a-nodes-us-central1-a-roll-gce-example-com', outdated[1]!.id, { ...fast, surge: true });
    const after = await session.listInstances();
    expect(after.filter((i) => i.needsUpdate)).toEqual([]);
    expect(after.filter((i) => i.instanceGroup === 'nodes-us-central1-a').map((i) => i.state)).toEqual(['RUNNING', 'RUNNING']);
    // In place keeps the name; the surge's new instance has another, and the group is back to its size.
    const names = after.map((i) => i.name);
    expect(names).toContain(outdated[0]!.name);
    expect(names).not.toContain(outdated[1]!.name);
    expect(pending((await plan(session, bigger)).result.plan)).toEqual([]);
    await expect(session.replaceInstance('nodes-us-central1-a', 'nodes-gone-1234', fast)).rejects.toThrow(/does not exist/);
    await session.close();
  });

  it('replaces an instance of a regional group in place, and refuses a surge there', async () => {
    const regional = (s: ReturnType<typeof newClusterSpec>) => ({ ...s, instanceGroups: s.instanceGroups.map((ig) => (ig.spec.role === 'Node' ? { ...ig, metadata: { ...ig.metadata, annotations: { [REGIONAL_GROUP_ANNOTATION]: 'true' } } } : ig)) });
    const completed = spec('region.gce.example.com', ['us-central1-a', 'us-central1-b'], 0, regional, 2);
    const session = await open(completed);
    await converge(session, completed);
    await waitFor('running nodes', async () => (await session.listInstances()).filter((i) => i.role === 'node' && i.state === 'RUNNING').length === 2);
    const [node] = (await session.listInstances()).filter((i) => i.role === 'node');
    expect(node!.groupRegion).toBe('us-central1');
    const fast = { pollMs: 20, timeoutMs: 10_000 };
    await expect(session.replaceInstance(node!.instanceGroup, node!.name, { ...fast, surge: true })).rejects.toThrow(/regional group .* cannot surge/);
    await session.replaceInstance(node!.instanceGroup, node!.name, fast);
    const again = (await session.listInstances()).find((i) => i.name === node!.name);
    expect(again).toMatchObject({ zone: node!.zone, state: 'RUNNING' });
    expect(again!.id).not.toBe(node!.id);
    await session.close();
  });
});
