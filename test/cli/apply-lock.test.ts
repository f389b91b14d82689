/**
 * An apply (update or delete cluster --yes) checks before each change that it still holds the
 * cluster's lock, on a real memfs store through the CLI's context: one whose lock is broken or
 * taken over mid-apply stops before its next change, with an error that says so, and the new
 * holder's lock is left alone. The cloud is the engine's in-memory one, whose errors the
 * session calls retryable, as the local cloud does, so the refusal must not be retried.
 */

import { describe, expect, it } from 'vitest';
import type { CompletedSpec } from '../../src/api/index.js';
import { createContext } from '../../src/cli/context.js';
import type { Context } from '../../src/cli/context.js';
import { discoverAll } from '../../src/engine/discover.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { Task, TaskKind } from '../../src/engine/task.js';
import { ref } from '../../src/engine/task.js';
import { silent } from '../../src/output/events.js';
import { applyClusterPlan } from '../../cloudup/pipeline/apply.js';
import type { ClusterPlan } from '../../cloudup/pipeline/plan.js';
import type { CloudSession } from '../../cloudup/provider.js';
import { breakLock, readLock } from '../../state-store/lock.js';
import type { LockInfo } from '../../state-store/lock.js';
import type { MemoryCloud } from '../engine/memory-kind.js';
import { memoryCloud, memoryKind } from '../engine/memory-kind.js';

const CLUSTER = 'apply.example.com';

const tasks: Task[] = [
  { kind: 'Network', name: 'net', lifecycle: 'Sync', dependsOn: [], desired: { cidr: '127.20.0.0/16' } },
  { kind: 'Subnet', name: 'a', lifecycle: 'Sync', dependsOn: ['Network/net'], desired: { networkId: ref('Network/net'), cidr: '127.20.32.0/19' } },
  { kind: 'Subnet', name: 'b', lifecycle: 'Sync', dependsOn: ['Network/net'], desired: { networkId: ref('Network/net'), cidr: '127.20.64.0/19' } },
  { kind: 'Group', name: 'nodes', lifecycle: 'Sync', dependsOn: ['Subnet/a', 'Subnet/b'], desired: { subnetIds: [ref('Subnet/a'), ref('Subnet/b')] } },
];

function contextOn(store: string): Context {
  const io = { out: () => undefined, err: () => undefined, events: silent, env: { HOIST_STATE_STORE: store }, cwd: process.cwd(), verbose: false, interactive: false, ask: async () => '', readStdin: async () => '' };
  return createContext(io, {}, 'update cluster --yes');
}

/** A cluster plan over the in-memory cloud; `onCreate` runs inside each create, as a cloud call would. */
async function memoryPlan(onCreate: (name: string) => Promise<void>): Promise<{ planned: ClusterPlan; cloud: MemoryCloud }> {
  const cloud = memoryCloud();
  const kinds = new Map<string, TaskKind<MemoryCloud>>(
    (['Network', 'Subnet', 'Group'] as const).map((k) => {
      const kind = memoryKind(k);
      return [k, { ...kind, create: async (c, task, desired) => (await onCreate(`${k}/${task.name}`), kind.create(c, task, desired)) }];
    }),
  );
  const result = buildPlan({ cluster: CLUSTER, cloud: 'memory', specRevision: 1, tasks, kinds, now: () => new Date(0) }, await discoverAll(kinds, cloud));
  const session = { kinds, ctx: cloud, isRetryable: () => true } as unknown as CloudSession;
  const completed = { cluster: { metadata: { name: CLUSTER } } } as unknown as CompletedSpec;
  return { planned: { completed, session, result, nodeConfigs: new Map() }, cloud };
}

describe('an apply under the cluster lock', () => {
  it('applies every change while it holds the lock', async () => {
    const ctx = contextOn(`memfs://apply-lock-${Math.random().toString(36).slice(2)}`);
    const { planned, cloud } = await memoryPlan(async () => undefined);
    await ctx.withLock(CLUSTER, 'update cluster', async () => applyClusterPlan(await ctx.store(), planned));
    expect(cloud.calls.filter((c) => c.startsWith('create'))).toEqual(['create Network/net', 'create Subnet/a', 'create Subnet/b', 'create Group/nodes']);
  });

  it('stops before its next change when its lock is taken over mid-apply, and says by whom', async () => {
    const ctx = contextOn(`memfs://apply-lock-${Math.random().toString(36).slice(2)}`);
    const store = await ctx.store();
    const taker: LockInfo = {
      id: 'second-roll',
      holder: 'bob@ops-box',
      host: 'ops-box',
      pid: 777,
      operation: 'rolling-update cluster',
      started: new Date().toISOString(),
      expires: new Date(Date.now() + 60_000).toISOString(),
    };
    // While the first change is in the cloud, someone breaks the lock and another command takes it.
    const { planned, cloud } = await memoryPlan(async (id) => {
      if (id !== 'Network/net') return;
      await breakLock(store, CLUSTER, { force: true });
      await store.put(`${CLUSTER}/lock`, JSON.stringify(taker), { ifNoneMatch: '*' });
    });
    const error = await ctx.withLock(CLUSTER, 'update cluster', async () => applyClusterPlan(await ctx.store(), planned)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LOCKED' });
    expect((error as Error).message).toBe(
      `the lock of ${CLUSTER} is no longer held by this process: it was taken over by bob@ops-box (pid 777, "rolling-update cluster", since ${taker.started}); ` +
        'stopped before changing anything more (1 of 4 change(s) were applied)',
    );
    expect(cloud.calls.filter((c) => !c.startsWith('discover'))).toEqual(['create Network/net']);
    expect((await readLock(store, CLUSTER))?.info).toEqual(taker);
  });
});
