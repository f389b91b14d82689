/**
 * A session's purpose is fixed when it is opened: the AWS kinds' `ctx.mode.reconciling` says
 * it from the start (no call to buildTasks flips it), cannot be changed, and the session closes
 * through `close()` and `Symbol.asyncDispose` alike. Opening makes no cloud call.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import { silent } from '../../src/output/events.js';
import type { AwsContext } from '../../cloudup/aws/context.js';
import type { CloudSession, SessionPurpose } from '../../cloudup/provider.js';
import { openCloud, SPEC_RULES } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';

const s = newClusterSpec({ name: 'purpose.example.com', cloud: 'aws', zones: ['us-east-1a'], topology: 'public', nodeCount: 1 }, SPEC_RULES);
const spec = completeSpec(s.cluster, s.instanceGroups);
const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };

async function open(purpose: SessionPurpose): Promise<CloudSession> {
  return openCloud(spec, { purpose, env, events: silent });
}

describe('a session opened for a purpose', () => {
  it('reconciles only when opened to reconcile, before and after building tasks', async () => {
    for (const [purpose, reconciling] of [['reconcile', true], ['teardown', false], ['inspect', false]] as const) {
      const session = await open(purpose);
      const ctx = session.ctx as AwsContext;
      expect(session.purpose).toBe(purpose);
      expect(ctx.mode.reconciling).toBe(reconciling);
      session.buildTasks(testBoot({ stateStore: 's3://state/clusters', configHash: (ig) => `sha256:${ig}` }));
      expect(ctx.mode.reconciling).toBe(reconciling);
      expect(() => ((ctx.mode as { reconciling: boolean }).reconciling = !reconciling)).toThrow(TypeError);
      expect(session.apiCalls()).toBe(0);
      await session[Symbol.asyncDispose]();
    }
  });
});
