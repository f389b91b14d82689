/**
 * A managed instance group's size on GCE (the fake Compute API), driven through the engine: a
 * group resized within its zone's share of minSize and maxSize (as cluster-autoscaler resizes it)
 * is left alone by the next plan; one resized above its share of maxSize or below its share of
 * minSize is planned as an update and brought back to the nearest bound, after which the plan is empty.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import { discoverAll } from '../../src/engine/discover.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { PlanResult } from '../../src/engine/planner.js';
import { silent } from '../../src/output/events.js';
import { buildGceTasks } from '../../cloudup/gce/model/index.js';
import { groupManagerName } from '../../cloudup/gce/names.js';
import { openGceSession } from '../../cloudup/gce/session.js';
import type { GceSession } from '../../cloudup/gce/session.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, computeOptions, startFake } from './support.js';

const NAME = 'bounds.gce.example.com';
const ZONES = ['us-central1-a', 'us-central1-b'] as const;
const BOOT = testBoot({ stateStore: 'file:///var/hoist/state', configHash: () => 'sha256:0' });
let fake: FakeCompute;
let session: GceSession | undefined;
let completed: CompletedSpec;

/** One control-plane machine and a node group of 2 to 6 over two zones: 1 to 3 in each. */
function spec(): CompletedSpec {
  const s = newClusterSpec({ name: NAME, cloud: 'gce', zones: [...ZONES], project: PROJECT, kubernetesVersion: '1.34.0', nodeCount: 2 }, SPEC_RULES);
  const node = s.instanceGroups.find((ig) => ig.spec.role === 'Node')!;
  const nodes = { ...node, metadata: { ...node.metadata, name: 'nodes' }, spec: { ...node.spec, minSize: 2, maxSize: 6, zones: [...ZONES] } };
  return completeSpec(s.cluster, [...s.instanceGroups.filter((ig) => ig.spec.role !== 'Node'), nodes]);
}

const manager = (zone: string) => groupManagerName('nodes', zone, NAME);
const managerId = (zone: string) => `InstanceGroupManager/${manager(zone)}`;

async function plan(): Promise<PlanResult> {
  const discovered = await discoverAll(session!.kinds, session!.ctx);
  return buildPlan({ cluster: NAME, cloud: 'gce', specRevision: null, tasks: buildGceTasks(completed, BOOT), kinds: session!.kinds, stats: { apiCalls: 0, discoveryMs: 0 } }, discovered);
}

async function apply(result: PlanResult): Promise<void> {
  const applied = await applyPlan({ result, kinds: session!.kinds, ctx: session!.ctx, executor: { isRetryable: session!.isRetryable, retry: { baseDelayMs: 5, maxDelayMs: 50 } } });
  expect(applied.failures.map((f) => `${f.id}: ${String(f.error)}`)).toEqual([]);
}

const pending = (r: PlanResult) => r.plan.changes.filter((c) => c.action !== 'noop');

/** A resize made outside hoist, through the public API, as cluster-autoscaler or a user makes it. */
async function resize(zone: string, size: number): Promise<void> {
  const c = session!.ctx.compute;
  await c.mutate(`resize ${manager(zone)}`, (requestId) => c.clients.instanceGroupManagers.resize({ project: PROJECT, zone, instanceGroupManager: manager(zone), size, requestId }));
}

const sizes = () => Object.fromEntries(ZONES.map((z) => [z, fake.resources('instanceGroupManagers').find((g) => g.name === manager(z))?.targetSize]));

beforeAll(async () => {
  fake = await startFake();
  completed = spec();
  session = await openGceSession(completed, { purpose: 'reconcile', env: {}, events: silent, compute: computeOptions(fake), sleep: async () => undefined });
  await apply(await plan());
});

afterAll(async () => {
  await session?.close();
  await fake?.stop();
});

describe('a GCE managed instance group kept within its bounds', () => {
  it('starts each zone at its share of minSize and plans nothing more', async () => {
    expect(sizes()).toEqual({ 'us-central1-a': 1, 'us-central1-b': 1 });
    expect(pending(await plan())).toEqual([]);
  });

  it('leaves a group resized within its share of the bounds alone', async () => {
    await resize('us-central1-a', 3);
    await resize('us-central1-b', 2);
    expect(pending(await plan())).toEqual([]);
    expect(sizes()).toEqual({ 'us-central1-a': 3, 'us-central1-b': 2 });
  });

  it('brings a group above its share of maxSize down to it, and one below its share of minSize up to it', async () => {
    await resize('us-central1-a', 5);
    await resize('us-central1-b', 0);
    const result = await plan();
    expect(pending(result).map((c) => ({ id: c.id, action: c.action, changes: c.changes }))).toEqual([
      { id: managerId('us-central1-a'), action: 'update', changes: [{ path: 'maxSize', before: 5, after: 3 }] },
      { id: managerId('us-central1-b'), action: 'update', changes: [{ path: 'targetSize', before: 0, after: 1 }] },
    ]);
    await apply(result);
    expect(sizes()).toEqual({ 'us-central1-a': 3, 'us-central1-b': 1 });
    expect(pending(await plan())).toEqual([]);
  });
});
