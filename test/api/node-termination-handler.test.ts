/**
 * spec.nodeTerminationHandler without a cloud: its defaults (kops's, in one place), the schema's
 * refusals at their paths, the queue-processor mode refused with its reason and fix, the field
 * refused off aws by the cloud's rules, and the kops import keeping it (dropping it, reported, on
 * a cloud where kops ignores it too).
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../../src/api/index.js';
import type { ClusterSpec } from '../../src/api/index.js';
import { nodeTerminationHandlerSettings } from '../../src/api/node-termination-handler.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { CLUSTER_NAME, cluster, group, groups, validate } from './fixtures.js';
import { documentedDrop, migrationTable } from './kops-migration-table.js';

type Handler = NonNullable<ClusterSpec['nodeTerminationHandler']>;
const problems = (nodeTerminationHandler: Handler) => validate(cluster({ nodeTerminationHandler }), groups());
const onGce = (spec: Partial<ClusterSpec>) => validate(cluster({ cloudProvider: 'gce', project: 'demo', networkCIDR: '10.0.0.0/16', subnets: [{ name: 'us-central1', region: 'us-central1', type: 'Public' }], ...spec }), [group('control-plane', { role: 'ControlPlane', subnets: ['us-central1'], zones: ['us-central1-a'] })]);
const parsed = (handler: string) => parseSpecText(`apiVersion: hoist.dev/v1alpha1\nkind: Cluster\nmetadata: {name: ${CLUSTER_NAME}}\nspec: {cloudProvider: aws, kubernetesVersion: 1.34.0, subnets: [], nodeTerminationHandler: ${handler}}\n`, 'c.yaml', SPEC_RULES);

describe('spec.nodeTerminationHandler', () => {
  it('defaults as kops does once written, and is off when unset or enabled: false', () => {
    expect(nodeTerminationHandlerSettings({})).toBeUndefined();
    expect(nodeTerminationHandlerSettings({ nodeTerminationHandler: { enabled: false } })).toBeUndefined();
    const defaults = {
      enableSpotInterruptionDraining: true,
      enableScheduledEventDraining: true,
      enableRebalanceMonitoring: false,
      enableRebalanceDraining: false,
      prometheusEnable: false,
      excludeFromLoadBalancers: true,
      managedASGTag: 'aws-node-termination-handler/managed',
      podTerminationGracePeriod: -1,
      taintNode: false,
      cpuRequest: '50m',
      memoryRequest: '64Mi',
      version: 'v1.22.0',
    };
    expect(nodeTerminationHandlerSettings({ nodeTerminationHandler: {} })).toEqual(defaults);
    expect(nodeTerminationHandlerSettings({ nodeTerminationHandler: { enabled: true, taintNode: true, podTerminationGracePeriod: 30, version: 'v1.25.0' } })).toEqual({ ...defaults, taintNode: true, podTerminationGracePeriod: 30, version: 'v1.25.0' });
  });

  it('is valid on aws, with or without its fields', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ enabled: true, enableRebalanceMonitoring: true, enableRebalanceDraining: true, prometheusEnable: true, taintNode: true, cpuRequest: '100m', memoryRequest: '128Mi', managedASGTag: 'example/managed', enableSQSTerminationDraining: false })).toEqual([]);
    expect(SPEC_RULES.aws.nodeTerminationHandler).toBe(true);
  });

  it('refuses the queue-processor mode at its path, with the reason and the fix', () => {
    expect(problems({ enableSQSTerminationDraining: true })).toEqual([{
      path: 'spec.nodeTerminationHandler.enableSQSTerminationDraining',
      value: true,
      message: expect.stringContaining('is not supported: the queue-processor mode needs an SQS queue, EventBridge rules and Auto Scaling lifecycle hooks'),
      fix: expect.stringContaining('to run the IMDS mode'),
    }]);
    // Not installed: nothing to refuse.
    expect(problems({ enabled: false, enableSQSTerminationDraining: true })).toEqual([]);
  });

  it('refuses bad values at their paths when parsed', () => {
    expect(() => parsed('{version: 1.22.0}')).toThrow(/spec\.nodeTerminationHandler\.version[\s\S]*v1\.22\.0/);
    expect(() => parsed('{cpuRequest: lots}')).toThrow(/spec\.nodeTerminationHandler\.cpuRequest/);
    expect(() => parsed('{memoryRequest: 64MB}')).toThrow(/spec\.nodeTerminationHandler\.memoryRequest/);
    expect(() => parsed('{podTerminationGracePeriod: -5}')).toThrow(/spec\.nodeTerminationHandler\.podTerminationGracePeriod/);
    expect(() => parsed('{managedASGTag: ""}')).toThrow(/spec\.nodeTerminationHandler\.managedASGTag/);
    expect(() => parsed('{taintNode: yes please}')).toThrow(/spec\.nodeTerminationHandler\.taintNode/);
    expect(() => parsed('{webhookURL: "https://hooks.example.com"}')).toThrow(/spec\.nodeTerminationHandler\.webhookURL/);
  });

  it('is refused off aws, by the cloud\'s rules, at the field or its enabled', () => {
    expect(onGce({ nodeTerminationHandler: {} }).filter((p) => p.path.startsWith('spec.nodeTerminationHandler'))).toEqual([{
      path: 'spec.nodeTerminationHandler',
      value: {},
      message: expect.stringContaining('is not read on gce: aws-node-termination-handler watches the EC2 instance metadata service'),
      fix: 'remove spec.nodeTerminationHandler (or set enabled: false)',
    }]);
    expect(onGce({ nodeTerminationHandler: { enabled: true } }).filter((p) => p.path.startsWith('spec.nodeTerminationHandler')).map((p) => p.path)).toEqual(['spec.nodeTerminationHandler.enabled']);
    expect(onGce({ nodeTerminationHandler: { enabled: false } }).filter((p) => p.path.startsWith('spec.nodeTerminationHandler'))).toEqual([]);
    expect(SPEC_RULES.gce.nodeTerminationHandler).toBeUndefined();
    expect(SPEC_RULES.local.nodeTerminationHandler).toBeUndefined();
  });
});

const kopsCluster = (cloud: string, extra: string) => `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: nth.example.com
spec:
  cloudProvider: ${cloud}
  kubernetesVersion: 1.34.0
${extra}  nodeTerminationHandler:
    enabled: true
    enableSpotInterruptionDraining: true
    enableRebalanceMonitoring: true
    prometheusEnable: true
    managedASGTag: kubernetes.io/cluster/nth.example.com
    podTerminationGracePeriod: 60
    taintNode: true
    cpuRequest: 75m
    memoryRequest: 96Mi
    version: v1.22.0
    webhookURL: https://hooks.example.com/nth
`;

describe('the kops import', () => {
  it('keeps nodeTerminationHandler on aws, dropping only the webhook settings of the queue-processor mode, with the reason', () => {
    const [doc] = parseSpecText(kopsCluster('aws', '  subnets:\n  - {name: us-east-1a, zone: us-east-1a, type: Public}\n'), 'kops.yaml', SPEC_RULES);
    expect((doc?.object.spec as ClusterSpec).nodeTerminationHandler).toEqual({
      enabled: true, enableSpotInterruptionDraining: true, enableRebalanceMonitoring: true, prometheusEnable: true, managedASGTag: 'kubernetes.io/cluster/nth.example.com',
      podTerminationGracePeriod: 60, taintNode: true, cpuRequest: '75m', memoryRequest: '96Mi', version: 'v1.22.0',
    });
    const dropped = doc?.converted?.dropped ?? [];
    expect(dropped.map((d) => d.path)).toEqual(['spec.nodeTerminationHandler.webhookURL']);
    expect(dropped[0]?.reason).toContain('the queue-processor mode and its webhook settings are not supported');
    // docs/kops-migration.md says the import drops it.
    const table = migrationTable(readFileSync(new URL('../../docs/kops-migration.md', import.meta.url), 'utf8'), 'ClusterSpec fields');
    expect(documentedDrop(table, 'spec.nodeTerminationHandler.webhookURL')?.status).toBe('different');
    expect(documentedDrop(table, 'spec.nodeTerminationHandler')?.status).toBe('different');
  });

  it('drops it on gce, where kops ignores it too, with the reason', () => {
    const [doc] = parseSpecText(kopsCluster('gce', '  project: demo\n  subnets:\n  - {name: us-central1, region: us-central1, type: Public}\n'), 'kops.yaml', SPEC_RULES);
    expect((doc?.object.spec as ClusterSpec).nodeTerminationHandler).toBeUndefined();
    const dropped = doc?.converted?.dropped.find((d) => d.path === 'spec.nodeTerminationHandler');
    expect(dropped?.reason).toContain('not read on gce');
    expect(dropped?.value).toMatchObject({ enabled: true, taintNode: true });
  });
});
