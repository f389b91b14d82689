/**
 * Throttling and 5xx on one call in five: an apply still converges to the cloud a fault-free
 * apply makes, with nothing made twice. A quarter of the faults strike after AWS carried the call
 * out (the answer is lost), which is where a create that is simply sent again makes a duplicate.
 */

import type { Pluggable } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import { discoverAll } from '../../src/engine/discover.js';
import { hasChanges } from '../../src/engine/plan.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { PlanResult } from '../../src/engine/planner.js';
import { silent } from '../../src/output/events.js';
import { openAwsSession } from '../../cloudup/aws/session.js';
import { scanCluster } from './scan.js';
import { testAccount } from './support.js';
import type { TestAccount } from './support.js';
import { testBoot } from '../support/boot.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const NAME = 'faults.aws.example.com';

interface Faults {
  readonly plugin: Pluggable<object, object>;
  readonly counts: { calls: number; before: number; after: number };
}

/**
 * Fails a fifth of the attempts, the same ones on every run (a seeded generator): a quarter of
 * the faults are throttling (the SDK's adaptive mode then slows the client down), the rest 503s.
 */
function faultInjector(rate = 0.2, seed = 42): Faults {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const counts = { calls: 0, before: 0, after: 0 };
  const fault = (kind: number) =>
    kind < 0.25
      ? Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded', $fault: 'client', $metadata: { httpStatusCode: 503 } })
      : Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } });
  const plugin: Pluggable<object, object> = {
    applyToStack(stack) {
      stack.add(
        (next) => async (args) => {
          counts.calls++;
          if (random() >= rate) return next(args);
          const kind = random();
          // Throttled calls never ran; a third of the 503s come after the call did.
          if (kind < 0.75) {
            counts.before++;
            throw fault(kind);
          }
          await next(args);
          counts.after++;
          throw fault(kind);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'testFaults' },
      );
    },
  };
  return { plugin, counts };
}

async function plan(account: TestAccount, spec: CompletedSpec, options: { plugins?: Pluggable<object, object>[]; teardown?: boolean } = {}) {
  const session = await openAwsSession(spec, { purpose: options.teardown ? 'teardown' : 'reconcile', env: account.env, events: silent, ...(options.plugins ? { plugins: options.plugins } : {}) });
  const tasks = options.teardown ? [] : session.buildTasks(testBoot({ stateStore: `s3://${account.bucket}/clusters`, configHash: (ig) => `sha256:${ig}` }));
  const discovered = await discoverAll(session.kinds, session.ctx);
  const result = buildPlan({ cluster: NAME, cloud: 'aws', specRevision: null, tasks, kinds: session.kinds }, discovered);
  return { session, result, discovered, tasks };
}

async function apply(account: TestAccount, spec: CompletedSpec, options: { plugins?: Pluggable<object, object>[]; teardown?: boolean } = {}): Promise<PlanResult> {
  const planned = await plan(account, spec, options);
  try {
    const result = await applyPlan({
      result: planned.result,
      kinds: planned.session.kinds,
      ctx: planned.session.ctx,
      executor: { parallelism: 10, isRetryable: planned.session.isRetryable, retry: { baseDelayMs: 20, maxDelayMs: 500 }, stepDeadlineMs: 120_000 },
    });
    expect(result.failures.map((f) => `${f.id}: ${String(f.error)}`)).toEqual([]);
    return planned.result;
  } finally {
    await planned.session.close();
  }
}

const inventory = (discovered: ReadonlyMap<string, readonly { name: string; shared?: boolean }[]>) =>
  [...discovered].flatMap(([kind, objects]) => objects.filter((o) => !o.shared).map((o) => `${kind}/${o.name}`)).sort();

let faulty: TestAccount;
let clean: TestAccount;
const spec = completeSpec(
  ...((s) => [s.cluster, s.instanceGroups] as const)(newClusterSpec({ name: NAME, cloud: 'aws', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', nodeCount: 2 }, SPEC_RULES)),
);

beforeAll(async () => {
  [faulty, clean] = await Promise.all([testAccount(), testAccount()]);
});
afterAll(() => {
  faulty?.close();
  clean?.close();
});

// Backoff and the adaptive rate limiter make these slower than a plain apply.
describe('an apply under throttling and 5xx', { timeout: 180_000 }, () => {
  it('converges to the cloud of a fault-free apply, with nothing duplicated', async () => {
    const faults = faultInjector();
    await Promise.all([apply(faulty, spec, { plugins: [faults.plugin] }), apply(clean, spec)]);
    if (process.env['HOIST_TEST_VERBOSE']) process.stderr.write(`faults: ${JSON.stringify(faults.counts)}\n`);
    expect(faults.counts.before + faults.counts.after).toBeGreaterThan(10);
    expect(faults.counts.after).toBeGreaterThan(0);
    const [afterFaults, reference] = await Promise.all([plan(faulty, spec), plan(clean, spec)]);
    await afterFaults.session.close();
    await reference.session.close();
    expect(hasChanges(afterFaults.result.plan), JSON.stringify(afterFaults.result.plan.summary)).toBe(false);
    // Every kind has exactly the objects its tasks name: nothing twice, nothing else.
    const wanted = afterFaults.tasks.filter((t) => t.lifecycle === 'Sync').map((t) => `${t.kind}/${t.name}`).sort();
    expect(inventory(afterFaults.discovered)).toEqual(wanted);
    expect(inventory(afterFaults.discovered)).toEqual(inventory(reference.discovered));
    const types = async (account: TestAccount) => (await scanCluster(account, NAME)).map((line) => line.split(' ')[0]).sort();
    expect(await types(faulty)).toEqual(await types(clean));
  });

  it('tears both down under the same faults', async () => {
    const faults = faultInjector(0.2, 7);
    await Promise.all([apply(faulty, spec, { plugins: [faults.plugin], teardown: true }), apply(clean, spec, { teardown: true })]);
    if (process.env['HOIST_TEST_VERBOSE']) process.stderr.write(`faults: ${JSON.stringify(faults.counts)}\n`);
    expect(await scanCluster(faulty, NAME)).toEqual([]);
    expect(await scanCluster(clean, NAME)).toEqual([]);
  });
});
