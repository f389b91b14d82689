/** The plan of the standard local cluster, against an empty cloud: text and JSON, held as golden files. */

import { describe, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import { buildPlan } from '../../src/engine/planner.js';
import { renderPlanText } from '../../src/engine/render-text.js';
import { nodeConfigHashes } from '../../cloudup/node-config.js';
import { buildLocalTasks } from '../../cloudup/local/model/index.js';
import { LOCAL_KINDS } from '../../cloudup/local/tasks/index.js';
import { expectGolden } from '../support/golden.js';

export function standardLocalPlan() {
  const spec = newClusterSpec({ name: 'demo.k8s.local', cloud: 'local', zones: [], topology: 'public', kubernetesVersion: '1.34.0' });
  const completed = completeSpec(spec.cluster, spec.instanceGroups);
  const tasks = buildLocalTasks(completed, { stateStore: 'file:///var/hoist/state', configHash: nodeConfigHashes(completed) });
  return buildPlan(
    { cluster: 'demo.k8s.local', cloud: 'local', specRevision: 1, tasks, kinds: LOCAL_KINDS, stats: { apiCalls: 8, discoveryMs: 0 }, now: () => new Date('2026-01-01T00:00:00Z') },
    new Map([...LOCAL_KINDS.keys()].map((k) => [k, []])),
  ).plan;
}

describe('the standard local cluster', () => {
  it('plans as in the golden text', async () => {
    await expectGolden('local/plan.txt', renderPlanText(standardLocalPlan()));
  });
  it('plans as in the golden JSON', async () => {
    await expectGolden('local/plan.json', `${JSON.stringify(standardLocalPlan(), null, 2)}\n`);
  });
});
