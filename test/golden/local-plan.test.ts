/**
 * The plan of the standard local cluster, against an empty cloud: text and JSON, held as golden
 * files. The node configurations are built as `update cluster` builds them; a local cluster's
 * nodeup.yaml names its stand-in mirror's folder, which differs on every run, so each group's
 * hash is shown as the group's name: another hash in the plan would still show, and differ.
 */

import { beforeAll, describe, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { Plan } from '../../src/engine/plan.js';
import { renderPlanText } from '../../src/engine/render-text.js';
import { nodeConfigHashes } from '../../cloudup/node-config.js';
import type { NodeupConfigs } from '../../cloudup/nodeup/index.js';
import { buildLocalTasks } from '../../cloudup/local/model/index.js';
import { LOCAL_KINDS } from '../../cloudup/local/tasks/index.js';
import { expectGolden } from '../support/golden.js';
import { plannedNodeConfigs } from '../support/node-configs.js';
import { testBoot } from '../support/boot.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const STATE_STORE = 'file:///var/hoist/state';

async function standardLocalPlan(): Promise<{ plan: Plan; configs: NodeupConfigs }> {
  const spec = newClusterSpec({ name: 'demo.k8s.local', cloud: 'local', zones: [], topology: 'public', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const completed = completeSpec(spec.cluster, spec.instanceGroups);
  const { configs } = await plannedNodeConfigs(completed, STATE_STORE);
  const tasks = buildLocalTasks(completed, testBoot({ stateStore: STATE_STORE, configHash: nodeConfigHashes(completed, configs) }, 'demo.k8s.local'));
  const plan = buildPlan(
    { cluster: 'demo.k8s.local', cloud: 'local', specRevision: 1, tasks, kinds: LOCAL_KINDS, stats: { apiCalls: 8, discoveryMs: 0 }, now: () => new Date('2026-01-01T00:00:00Z') },
    new Map([...LOCAL_KINDS.keys()].map((k) => [k, []])),
  ).plan;
  return { plan, configs };
}

function named(text: string, configs: NodeupConfigs): string {
  let out = text;
  for (const [ig, file] of configs) out = out.replaceAll(file.hash, `<hash of ${ig}/nodeup.yaml>`);
  return out;
}

describe('the standard local cluster', () => {
  let planned: Awaited<ReturnType<typeof standardLocalPlan>>;
  beforeAll(async () => {
    planned = await standardLocalPlan();
  });
  it('plans as in the golden text', async () => {
    const { plan, configs } = planned;
    await expectGolden('local/plan.txt', named(renderPlanText(plan), configs));
  });
  it('plans as in the golden JSON', async () => {
    const { plan, configs } = planned;
    await expectGolden('local/plan.json', named(`${JSON.stringify(plan, null, 2)}\n`, configs));
  });
});
