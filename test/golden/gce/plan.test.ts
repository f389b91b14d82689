/** The plan of the standard GCE cluster, against an empty project: text and JSON, held as golden files. */

import { describe, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../../src/api/index.js';
import { buildPlan } from '../../../src/engine/planner.js';
import { renderPlanText } from '../../../src/engine/render-text.js';
import { nodeConfigHashes } from '../../../cloudup/node-config.js';
import { buildGceTasks } from '../../../cloudup/gce/model/index.js';
import { GCE_KINDS } from '../../../cloudup/gce/tasks/index.js';
import { expectGolden } from '../../support/golden.js';

export function standardGcePlan() {
  const spec = newClusterSpec({ name: 'demo.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'hoist-test', topology: 'public', kubernetesVersion: '1.34.0' });
  const completed = completeSpec(spec.cluster, spec.instanceGroups);
  const tasks = buildGceTasks(completed, { stateStore: 'file:///var/hoist/state', configHash: nodeConfigHashes(completed) });
  return buildPlan(
    { cluster: 'demo.example.com', cloud: 'gce', specRevision: 1, tasks, kinds: GCE_KINDS, stats: { apiCalls: 9, discoveryMs: 0 }, now: () => new Date('2026-01-01T00:00:00Z') },
    new Map([...GCE_KINDS.keys()].map((k) => [k, []])),
  ).plan;
}

describe('the standard GCE cluster', () => {
  it('plans as in the golden text', async () => {
    await expectGolden('gce/plan.txt', renderPlanText(standardGcePlan()));
  });
  it('plans as in the golden JSON', async () => {
    await expectGolden('gce/plan.json', `${JSON.stringify(standardGcePlan(), null, 2)}\n`);
  });
});
