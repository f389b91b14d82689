/** Names, labels, images and errors of the GCE cloud, on their own. */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotReadyError } from '../../src/engine/executor.js';
import { GceApiError, errorInfo, isAlreadyExists, isInUse, isNotFound, isTransient, toEngineError } from '../../cloudup/gce/errors.js';
import { descriptionFilter, gceLabels, kubernetesClusterLabel, labelFilter, labelValue, ownershipLabels } from '../../cloudup/gce/labels.js';
import { imagePath, scopes } from '../../cloudup/gce/model/boot.js';
import { spread } from '../../cloudup/gce/model/instance-groups.js';
import { baseInstanceName, gceName, groupManagerName, templateName } from '../../cloudup/gce/names.js';
import { parseFilter } from './fake/filter.js';

const RFC1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const clusterName = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?){0,8}$/);

describe('GCE names and labels', () => {
  it('are always valid, however long the cluster name', () => {
    fc.assert(
      fc.property(clusterName, fc.stringMatching(/^[a-z][a-z0-9-]{0,40}$/), (cluster, ig) => {
        for (const n of [gceName(cluster), gceName('api', cluster), groupManagerName(ig, 'us-central1-a', cluster), templateName(ig, cluster, 'a'.repeat(64))]) expect(n).toMatch(RFC1035);
        expect(baseInstanceName(ig, cluster).length).toBeLessThanOrEqual(58);
        for (const [k, v] of Object.entries(ownershipLabels(cluster))) {
          expect(k).toMatch(LABEL_KEY);
          expect(v).toMatch(LABEL_VALUE);
        }
      }),
    );
  });

  it('spell the cluster as kops does, and keep distinct long names apart', () => {
    expect(gceName('api', 'demo.example.com')).toBe('api-demo-example-com');
    expect(ownershipLabels('demo.example.com')).toEqual({ 'hoist-dev-cluster': 'demo-example-com', 'kubernetes-io-cluster-demo-example-com': 'owned' });
    const long = (n: number) => `${'a'.repeat(50)}.${n}.example.com`;
    expect(gceName(long(1))).not.toBe(gceName(long(2)));
    expect(kubernetesClusterLabel(long(1))).not.toBe(kubernetesClusterLabel(long(2)));
    expect(gceName('1.example.com')).toBe('h1-example-com');
    expect(gceLabels({ 'Cost_Center': 'X.1', 'example.com/team': 'a' })).toEqual({ 'cost_center': 'x-1', 'example-com-team': 'a' });
    expect(labelValue('x'.repeat(70))).toMatch(/^x{54}-[0-9a-f]{8}$/);
  });

  it('filter as the API does: the label filter and the description filter select only the cluster', () => {
    const byLabel = parseFilter(labelFilter('demo.example.com'));
    expect(byLabel({ labels: { 'hoist-dev-cluster': 'demo-example-com' } })).toBe(true);
    expect(byLabel({ labels: { 'hoist-dev-cluster': 'x-demo-example-com' } })).toBe(false);
    const byDescription = parseFilter(descriptionFilter('demo.example.com'));
    expect(byDescription({ description: 'hoist.dev/cluster=demo.example.com' })).toBe(true);
    expect(byDescription({ description: 'hoist.dev/cluster=x.demo.example.com' })).toBe(false);
  });

  it('spread a group over its zones as kops does', () => {
    expect(spread(5, 3)).toEqual([2, 2, 1]);
    expect(spread(1, 3)).toEqual([1, 0, 0]);
  });

  it('take images as paths, project/family/name or project/name', () => {
    expect(imagePath('ubuntu-os-cloud/ubuntu-2404-lts-amd64')).toBe('projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64');
    expect(imagePath('ubuntu-os-cloud/ubuntu-2404-noble-amd64-v20250110')).toBe('projects/ubuntu-os-cloud/global/images/ubuntu-2404-noble-amd64-v20250110');
    expect(imagePath('cos-cloud/family/cos-stable')).toBe('projects/cos-cloud/global/images/family/cos-stable');
    expect(imagePath('https://www.googleapis.com/compute/v1/projects/p/global/images/i')).toBe('projects/p/global/images/i');
    expect(scopes('ControlPlane')).toContain('https://www.googleapis.com/auth/compute');
    expect(scopes('Node')).not.toContain('https://www.googleapis.com/auth/compute');
  });
});

describe('GCE errors', () => {
  /** What the REST transport throws for an HTTP error: the status, and the body as its message. */
  const http = (status: number, reason: string, message = 'm') =>
    Object.assign(new Error(JSON.stringify({ error: { code: status, message, errors: [{ reason, message, domain: 'global' }] } })), { status });

  it('are read from the HTTP status and the Google error body', () => {
    expect(errorInfo(http(404, 'notFound', 'gone'))).toEqual({ status: 404, reason: 'notFound', message: 'gone' });
    expect(isNotFound(http(404, 'notFound'))).toBe(true);
    expect(isAlreadyExists(http(409, 'alreadyExists'))).toBe(true);
    expect(isInUse(http(400, 'resourceInUseByAnotherResource'))).toBe(true);
    expect(isInUse(http(400, 'invalid'))).toBe(false);
    // The gRPC-style codes the library can report instead.
    expect(isNotFound(Object.assign(new Error('x'), { code: 5 }))).toBe(true);
  });

  it('are transient for throttling, 5xx and dropped connections only', () => {
    expect([429, 500, 502, 503].map((s) => isTransient(http(s, 'backendError')))).toEqual([true, true, true, true]);
    expect(isTransient(http(400, 'invalid'))).toBe(false);
    expect(isTransient(http(404, 'notFound'))).toBe(false);
    expect(isTransient(Object.assign(new Error('socket'), { cause: { code: 'ECONNRESET' } }))).toBe(true);
  });

  it('map "in use" to NotReadyError, which the executor retries', () => {
    expect(toEngineError(http(400, 'resourceInUseByAnotherResource'))).toBeInstanceOf(NotReadyError);
    const opError = new GceApiError('delete network n', { reason: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', message: 'in use' }, undefined);
    expect(toEngineError(opError)).toBeInstanceOf(NotReadyError);
    const invalid = http(400, 'invalid');
    expect(toEngineError(invalid)).toBe(invalid);
  });
});

describe('the internal API load balancer', () => {
  it('lists its backends in the order discovery reads them back, whatever order the spec gives the control plane', async () => {
    const { completeSpec, newClusterSpec } = await import('../../src/api/index.js');
    const { SPEC_RULES } = await import('../../cloudup/providers.js');
    const { buildGceTasks } = await import('../../cloudup/gce/model/index.js');
    const { plannedNodeConfigs } = await import('../support/node-configs.js');
    const { nodeConfigHashes } = await import('../../cloudup/node-config.js');
    const { testBoot } = await import('../support/boot.js');
    const zones = ['us-central1-c', 'us-central1-a', 'us-central1-b'];
    const spec = newClusterSpec({ name: 'ilb.example.com', cloud: 'gce', zones, controlPlaneZones: zones, controlPlaneCount: 3, project: 'hoist-test', topology: 'public', kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const cluster = { ...spec.cluster, spec: { ...spec.cluster.spec, api: { ...spec.cluster.spec.api, loadBalancer: { type: 'Internal' as const } } } };
    const completed = completeSpec(cluster, spec.instanceGroups);
    expect(completed.instanceGroups.filter((ig) => ig.spec.role === 'ControlPlane').map((ig) => ig.spec.zones[0])).toEqual(zones);
    const { configs } = await plannedNodeConfigs(completed, 'file:///var/hoist/state');
    const tasks = buildGceTasks(completed, testBoot({ stateStore: 'file:///var/hoist/state', configHash: nodeConfigHashes(completed, configs) }, 'ilb.example.com'));
    const service = tasks.find((t) => t.kind === 'RegionBackendService');
    const backends = (service?.desired as { backends: { $ref: string }[] }).backends.map((b) => b.$ref);
    expect(backends).toHaveLength(3);
    expect(backends.map((b) => /us-central1-[abc]/.exec(b)?.[0])).toEqual(['us-central1-a', 'us-central1-b', 'us-central1-c']);
  });
});
