/**
 * A cluster's NodePort range has one source (nodePortRange in src/api/defaults.ts): the API
 * server's flag and every cloud's NodePort firewall rule follow a range the spec sets.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { CloudProvider } from '../../src/api/index.js';
import { buildGceTasks } from '../../cloudup/gce/model/index.js';
import { buildLocalTasks } from '../../cloudup/local/model/index.js';
import { controlPlaneSettings } from '../../cloudup/nodeup/components.js';
import { testBoot } from '../support/boot.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const boot = testBoot({ stateStore: 'file:///state', configHash: (ig: string) => `sha256:${ig}` });

function completed(cloud: CloudProvider, zone: string) {
  const s = newClusterSpec({ name: 'ports.example.com', cloud, zones: [zone], project: 'hoist-test', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const cluster = { ...s.cluster, spec: { ...s.cluster.spec, nodePortAccess: ['10.1.0.0/16'], kubeAPIServer: { serviceNodePortRange: '31000-31999' } } };
  return completeSpec(cluster, s.instanceGroups);
}

describe('the NodePort range a spec sets', () => {
  it('is opened by the GCE firewall rule', () => {
    const rule = buildGceTasks(completed('gce', 'us-central1-a'), boot).find((t) => t.kind === 'Firewall' && t.name.includes('nodeport'));
    expect(rule?.desired['allowed']).toEqual([{ IPProtocol: 'tcp', ports: ['31000-31999'] }]);
  });

  it('is opened by the local cloud firewall rule', () => {
    const rule = buildLocalTasks(completed('local', 'local-a'), boot).find((t) => t.kind === 'FirewallRule' && t.name.includes('nodeport'));
    expect(rule?.desired).toMatchObject({ protocol: 'tcp', ports: ['31000-31999'] });
  });

  it('is the API server flag on the control plane', () => {
    const spec = completed('local', 'local-a');
    const cp = spec.instanceGroups.find((ig) => ig.spec.role === 'ControlPlane')!;
    expect(controlPlaneSettings(spec, cp).apiServer.serviceNodePortRange).toBe('31000-31999');
  });
});
