/**
 * The plan of the standard GCE cluster, against an empty project: text and JSON, held as golden
 * files. The node configurations are built as `update cluster` builds them.
 */

import { beforeAll, describe, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../../src/api/index.js';
import { buildPlan } from '../../../src/engine/planner.js';
import type { Plan } from '../../../src/engine/plan.js';
import { renderPlanText } from '../../../src/engine/render-text.js';
import { nodeConfigHashes } from '../../../cloudup/node-config.js';
import { buildGceTasks } from '../../../cloudup/gce/model/index.js';
import { GCE_KINDS } from '../../../cloudup/gce/tasks/index.js';
import { expectGolden } from '../../support/golden.js';
import { plannedNodeConfigs } from '../../support/node-configs.js';
import { testBoot } from '../../support/boot.js';
import { SPEC_RULES } from '../../../cloudup/providers.js';

const STATE_STORE = 'file:///var/hoist/state';

async function standardGcePlan(): Promise<Plan> {
  const spec = newClusterSpec({ name: 'demo.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'hoist-test', topology: 'public', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const completed = completeSpec(spec.cluster, spec.instanceGroups);
  const { configs } = await plannedNodeConfigs(completed, STATE_STORE);
  const tasks = buildGceTasks(completed, testBoot({ stateStore: STATE_STORE, configHash: nodeConfigHashes(completed, configs) }, 'demo.example.com'));
  return buildPlan(
    { cluster: 'demo.example.com', cloud: 'gce', specRevision: 1, tasks, kinds: GCE_KINDS, stats: { apiCalls: 9, discoveryMs: 0 }, now: () => new Date('2026-01-01T00:00:00Z') },
    new Map([...GCE_KINDS.keys()].map((k) => [k, []])),
  ).plan;
}

describe('the standard GCE cluster', () => {
  let planned: Plan;
  beforeAll(async () => {
    planned = await standardGcePlan();
  });
  it('plans as in the golden text', async () => {
    await expectGolden('gce/plan.txt', renderPlanText(planned));
  });
  it('plans as in the golden JSON', async () => {
    await expectGolden('gce/plan.json', `${JSON.stringify(planned, null, 2)}\n`);
  });
});
