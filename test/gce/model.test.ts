/**
 * Names, labels, images and errors of the GCE cloud, on their own; and the tasks the GCE model
 * makes of a spec for the internal API load balancer, regional groups and an existing service
 * account.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotReadyError } from '../../src/engine/executor.js';
import { GceApiError, errorInfo, isAlreadyExists, isInUse, isNotFound, isTransient, toEngineError } from '../../cloudup/gce/errors.js';
import { descriptionFilter, gceLabels, kubernetesClusterLabel, labelFilter, labelValue, ownershipLabels } from '../../cloudup/gce/labels.js';
import { imagePath, scopes } from '../../cloudup/gce/model/boot.js';
import { spread } from '../../cloudup/gce/model/instance-groups.js';
import { apiName, apiSubnetName, baseInstanceName, gceName, groupManagerName, regionalGroupManagerName, templateName } from '../../cloudup/gce/names.js';
import { sharedAccountTitle } from '../../cloudup/gce/iam-names.js';
import { API_HEALTH_CHECK_PORT } from '../../cloudup/gce/model/api.js';
import { REGIONAL_GROUP_ANNOTATION } from '../../cloudup/gce/regional.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
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

/** A three-zone GCE cluster's tasks, its spec changed first by `edit`. */
async function gceTasks(edit: (spec: { cluster: Cluster; instanceGroups: InstanceGroup[] }) => { cluster: Cluster; instanceGroups: InstanceGroup[] }, stateStore = 'file:///var/hoist/state') {
  const { completeSpec, newClusterSpec } = await import('../../src/api/index.js');
  const { SPEC_RULES } = await import('../../cloudup/providers.js');
  const { buildGceTasks } = await import('../../cloudup/gce/model/index.js');
  const { plannedNodeConfigs } = await import('../support/node-configs.js');
  const { nodeConfigHashes } = await import('../../cloudup/node-config.js');
  const { testBoot } = await import('../support/boot.js');
  const zones = ['us-central1-c', 'us-central1-a', 'us-central1-b'];
  const spec = newClusterSpec({ name: CLUSTER, cloud: 'gce', zones, controlPlaneZones: zones, controlPlaneCount: 3, project: 'hoist-test', topology: 'public', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const edited = edit({ cluster: spec.cluster, instanceGroups: [...spec.instanceGroups] });
  const completed = completeSpec(edited.cluster, edited.instanceGroups);
  const { configs } = await plannedNodeConfigs(completed, stateStore);
  return { completed, tasks: buildGceTasks(completed, testBoot({ stateStore, configHash: nodeConfigHashes(completed, configs) }, CLUSTER)) };
}

const CLUSTER = 'ilb.example.com';
const internal = (c: Cluster): Cluster => ({ ...c, spec: { ...c.spec, api: { ...c.spec.api, loadBalancer: { type: 'Internal' } } } });
const refOf = (v: unknown): string => (v as { $ref: string }).$ref;

describe('the internal API load balancer', () => {
  it('lists its backends in the order discovery reads them back, whatever order the spec gives the control plane', async () => {
    const { completed, tasks } = await gceTasks((s) => ({ ...s, cluster: internal(s.cluster) }));
    expect(completed.instanceGroups.filter((ig) => ig.spec.role === 'ControlPlane').map((ig) => ig.spec.zones[0])).toEqual(['us-central1-c', 'us-central1-a', 'us-central1-b']);
    const service = tasks.find((t) => t.kind === 'RegionBackendService');
    const backends = (service?.desired as { backends: { $ref: string }[] }).backends.map((b) => b.$ref);
    expect(backends).toHaveLength(3);
    expect(backends.map((b) => /us-central1-[abc]/.exec(b)?.[0])).toEqual(['us-central1-a', 'us-central1-b', 'us-central1-c']);
  });

  it('makes an address and a rule in each subnet of the control plane, all to one backend service, and probes /readyz on the health port', async () => {
    // Two control-plane groups in a second subnet, listed before the first group's in the spec.
    const extra = { name: 'cp-extra', region: 'us-central1', type: 'Public' as const, cidr: '10.0.64.0/19' };
    const { tasks } = await gceTasks((s) => ({
      cluster: internal({ ...s.cluster, spec: { ...s.cluster.spec, subnets: [extra, ...s.cluster.spec.subnets] } }),
      instanceGroups: s.instanceGroups.map((ig) => (ig.spec.role === 'ControlPlane' && !ig.metadata.name.endsWith('-c') ? { ...ig, spec: { ...ig.spec, subnets: ['cp-extra'] } } : ig)),
    }));
    const of = (kind: string) => tasks.filter((t) => t.kind === kind);
    // The first control-plane group's subnet first: its address is the one the API's names use.
    expect(of('Address').map((t) => t.name)).toEqual([apiSubnetName('us-central1', CLUSTER), apiSubnetName('cp-extra', CLUSTER)]);
    const rules = of('ForwardingRule');
    expect(rules.map((t) => t.name)).toEqual([apiSubnetName('us-central1', CLUSTER), apiSubnetName('cp-extra', CLUSTER)]);
    for (const rule of rules) {
      const d = rule.desired as Record<string, unknown>;
      expect(refOf(d.backendService)).toContain(`RegionBackendService/${apiName(CLUSTER)}`);
      expect(refOf(d.IPAddress)).toContain(`Address/${rule.name}`);
      expect(refOf(d.subnetwork)).toContain(rule.name.includes('cp-extra') ? 'cp-extra' : 'us-central1-ilb');
    }
    expect(of('RegionBackendService')).toHaveLength(1);
    expect(of('RegionHealthCheck').map((t) => t.desired)).toEqual([expect.objectContaining({ type: 'HTTP', port: API_HEALTH_CHECK_PORT, requestPath: '/readyz' })]);
    const probes = of('Firewall').find((t) => t.name === gceName('api-health-check', CLUSTER))!.desired as { allowed: unknown[] };
    expect(probes.allowed).toEqual([{ IPProtocol: 'tcp', ports: [String(API_HEALTH_CHECK_PORT)] }]);
  });

  it('probes /readyz over HTTPS on the API port when the API server answers anonymous requests', async () => {
    const { tasks } = await gceTasks((s) => ({ ...s, cluster: internal({ ...s.cluster, spec: { ...s.cluster.spec, kubeAPIServer: { ...s.cluster.spec.kubeAPIServer, anonymousAuth: true } } }) }));
    expect(tasks.find((t) => t.kind === 'RegionHealthCheck')?.desired).toMatchObject({ type: 'HTTPS', port: 6443, requestPath: '/readyz' });
    expect((tasks.find((t) => t.name === gceName('api-health-check', CLUSTER))!.desired as { allowed: unknown[] }).allowed).toEqual([{ IPProtocol: 'tcp', ports: ['6443'] }]);
  });
});

describe('spec.gce.regionalGroups and spec.cloudConfig.gceServiceAccount', () => {
  const managers = (tasks: readonly { kind: string; name: string }[]) => tasks.filter((t) => t.kind === 'InstanceGroupManager').map((t) => t.name).sort();

  it('make every Node group regional, but the control plane and a group annotated "false"', async () => {
    const { tasks } = await gceTasks((s) => ({
      cluster: { ...s.cluster, spec: { ...s.cluster.spec, gce: { regionalGroups: true } } },
      instanceGroups: s.instanceGroups.map((ig) => (ig.metadata.name === 'nodes-us-central1-a' ? { ...ig, metadata: { ...ig.metadata, annotations: { [REGIONAL_GROUP_ANNOTATION]: 'false' } } } : ig)),
    }));
    expect(managers(tasks)).toEqual(
      [
        regionalGroupManagerName('nodes-us-central1-c', CLUSTER),
        groupManagerName('nodes-us-central1-a', 'us-central1-a', CLUSTER),
        ...['a', 'b', 'c'].map((z) => groupManagerName(`control-plane-us-central1-${z}`, `us-central1-${z}`, CLUSTER)),
      ].sort(),
    );
  });

  it('run every machine as an existing account: no account or project role is made, and on gs:// it is bound on the bucket as the control plane', async () => {
    const email = 'k8s-shared@hoist-test.iam.gserviceaccount.com';
    const withAccount = (account: string) => (s: { cluster: Cluster; instanceGroups: InstanceGroup[] }) => ({ ...s, cluster: { ...s.cluster, spec: { ...s.cluster.spec, cloudConfig: { gceServiceAccount: account } } } });
    const { tasks } = await gceTasks(withAccount(email), 'gs://state-bucket/clusters');
    expect(tasks.filter((t) => t.kind === 'ServiceAccount' || t.kind === 'ProjectIamMember')).toEqual([]);
    const templates = tasks.filter((t) => t.kind === 'InstanceTemplate');
    expect(templates.map((t) => (t.desired as { serviceAccount: { email: string } }).serviceAccount.email)).toEqual(templates.map(() => email));
    const bindings = tasks.filter((t) => t.kind === 'BucketIamMember');
    expect(bindings.map((t) => t.name)).toEqual([`${email}:roles/storage.objectUser`]);
    expect(bindings[0]!.desired).toMatchObject({ bucket: 'state-bucket', member: `serviceAccount:${email}`, condition: { title: sharedAccountTitle(CLUSTER), expression: expect.stringContaining(`objects/clusters/${CLUSTER}/`) } });
    // The project's default account: named by GCE as default, and given no binding (its email is not known).
    const byDefault = await gceTasks(withAccount('default'), 'gs://state-bucket/clusters');
    expect(byDefault.tasks.filter((t) => ['ServiceAccount', 'ProjectIamMember', 'BucketIamMember'].includes(t.kind))).toEqual([]);
    expect(byDefault.tasks.filter((t) => t.kind === 'InstanceTemplate').every((t) => (t.desired as { serviceAccount: { email: string } }).serviceAccount.email === 'default')).toBe(true);
  });
});
