/**
 * A change the cloud refuses fails the apply with the CLOUD code (not STORE: the state store is
 * fine), as one clean user error that lists the change and what it held back.
 */

import { describe, expect, it } from 'vitest';
import type { CompletedSpec } from '../../src/api/index.js';
import { createContext } from '../../src/cli/context.js';
import { HoistError } from '../../src/errors.js';
import { discoverAll } from '../../src/engine/discover.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { Task, TaskKind } from '../../src/engine/task.js';
import { ref } from '../../src/engine/task.js';
import { silent } from '../../src/output/events.js';
import { applyClusterPlan } from '../../cloudup/pipeline/apply.js';
import type { CloudSession } from '../../cloudup/provider.js';
import type { MemoryCloud } from '../engine/memory-kind.js';
import { memoryCloud, memoryKind } from '../engine/memory-kind.js';

const CLUSTER = 'failing.example.com';

const tasks: Task[] = [
  { kind: 'Network', name: 'net', lifecycle: 'Sync', dependsOn: [], desired: { cidr: '127.20.0.0/16' } },
  { kind: 'Subnet', name: 'a', lifecycle: 'Sync', dependsOn: ['Network/net'], desired: { networkId: ref('Network/net'), cidr: '127.20.32.0/19' } },
];

describe('an apply whose change the cloud refuses', () => {
  it('fails with the CLOUD code, naming the change and what it held back', async () => {
    const io = { out: () => undefined, err: () => undefined, events: silent, env: { HOIST_STATE_STORE: `memfs://cloud-code-${Math.random().toString(36).slice(2)}` }, cwd: process.cwd(), verbose: false, interactive: false, ask: async () => '', readStdin: async () => '' };
    const ctx = createContext(io, {}, 'update cluster --yes');
    const cloud = memoryCloud();
    const kinds = new Map<string, TaskKind<MemoryCloud>>(
      (['Network', 'Subnet'] as const).map((k) => {
        const kind = memoryKind(k);
        return [k, k === 'Network' ? { ...kind, create: () => Promise.reject(new Error('cidr: 127.20.0.0/16 overlaps another network')) } : kind];
      }),
    );
    const result = buildPlan({ cluster: CLUSTER, cloud: 'memory', specRevision: 1, tasks, kinds, now: () => new Date(0) }, await discoverAll(kinds, cloud));
    const session = { kinds, ctx: cloud, isRetryable: () => false } as unknown as CloudSession;
    const completed = { cluster: { metadata: { name: CLUSTER } } } as unknown as CompletedSpec;
    let error: unknown;
    await ctx.withLock(CLUSTER, 'update cluster', async () => {
      error = await applyClusterPlan(await ctx.store(), { completed, session, result, nodeConfigs: new Map() }).then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(error).toBeInstanceOf(HoistError);
    expect(error).toMatchObject({ code: 'CLOUD', user: true });
    expect((error as HoistError).message).toBe('1 change(s) failed:\n  Network/net: cidr: 127.20.0.0/16 overlaps another network\nnot attempted because of them: Subnet/a');
  });
});
