/**
 * An internal API load balancer and a regional managed instance group on GCE (the fake Compute
 * API), through the CLI, with one cluster: `api.loadBalancer.type: Internal` plans and makes a
 * regional HTTP health check of /readyz on the health port, an internal backend service over the
 * control plane's group, and an internal forwarding rule on an internal address of the cluster's
 * subnetwork (no target pool, no legacy check); with `spec.gce.regionalGroups: true` the node
 * group is one regional group spread over its zones and the control plane stays zonal; a second
 * plan has nothing to do; a new machine type is rolled through the regional group; delete leaves
 * none of it. Then the spec rules and the fake's refusals.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Cluster, CompletedSpec, InstanceGroup } from '../../src/api/index.js';
import { createContext } from '../../src/cli/context.js';
import { runRollingUpdate } from '../../src/cli/rolling-update.js';
import type { Plan } from '../../src/engine/plan.js';
import { textEventSink } from '../../src/output/io.js';
import { API_HEALTH_CHECK_PORT, INTERNAL_HEALTH_CHECK_SOURCE_RANGES } from '../../cloudup/gce/model/api.js';
import { existingAccountProblems } from '../../cloudup/gce/existing-account.js';
import { accountEmail, accountId } from '../../cloudup/gce/iam-names.js';
import { foreignGceProblems } from '../../src/api/schema-gce.js';
import { apiName, apiSubnetName, gceName, groupManagerName, regionalGroupManagerName } from '../../cloudup/gce/names.js';
import { REGIONAL_GROUP_ANNOTATION, regionalGroupProblems } from '../../cloudup/gce/regional.js';
import { hoist, tempDir } from '../support/cli.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake, useAssetMirror, waitFor } from './support.js';

const NAME = 'inner.gce.example.com';
const OWNER = `hoist.dev/cluster=${NAME}`;
const SAFE = 'inner-gce-example-com';
const NODES = 'nodes-us-central1-a';
let fake: FakeCompute;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${fake.url}/compute/v1/projects/${PROJECT}/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return (await res.json()) as Readonly<Record<string, unknown>>;
};
const reason = (r: Readonly<Record<string, unknown>>) => (r.error as { errors: { reason: string }[] } | undefined)?.errors[0]?.reason;
const planJson = async (): Promise<Plan> => {
  const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
  expect(planned.code, planned.stderr).toBe(0);
  return JSON.parse(planned.stdout) as Plan;
};
const mine = (collection: string) => fake.resources(collection).filter((r) => r.description === OWNER || (r.labels as Record<string, string> | undefined)?.['hoist-dev-cluster'] === SAFE);
const nodeInstances = () => fake.resources('instances').filter((i) => String(i.name).startsWith('nodes-'));
const zoneOf = (i: Readonly<Record<string, unknown>>) => String(i.zone).split('/').pop();
const RULE = apiSubnetName('us-central1', NAME);
const REGIONAL = regionalGroupManagerName(NODES, NAME);

beforeAll(async () => {
  fake = await startFake();
  dir = await tempDir('hoist-gce-internal-');
  env = cliEnv(fake, `file://${join(dir.path, 'state')}`);
  const created = await run(['create', 'cluster', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '2']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const cluster = parse((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout) as Cluster;
  const internal = await run(['replace', '-f', '-'], stringify({ ...cluster, spec: { ...cluster.spec, gce: { regionalGroups: true }, api: { ...cluster.spec.api, loadBalancer: { type: 'Internal' } } } }));
  expect(internal.code, internal.stderr).toBe(0);
  // The node group spans two zones of the region as one regional group.
  const ig = parse((await run(['get', 'instancegroup', NODES, '--name', NAME, '-o', 'yaml'])).stdout) as InstanceGroup;
  const regional = { ...ig, spec: { ...ig.spec, zones: ['us-central1-a', 'us-central1-b'] } };
  const replaced = await run(['replace', '-f', '-'], stringify(regional));
  expect(replaced.code, replaced.stderr).toBe(0);
});

afterAll(async () => {
  await fake?.stop();
  await dir?.cleanup();
});

describe('an internal API load balancer and a regional group (fake Compute API)', () => {
  it('plans the internal load balancer\'s objects and the regional group, and no target pool', async () => {
    const plan = await planJson();
    const created = plan.changes.filter((c) => c.action === 'create').map((c) => c.id);
    expect(created).toEqual(expect.arrayContaining([
      `Address/${RULE}`,
      `RegionHealthCheck/${apiName(NAME)}`,
      `RegionBackendService/${apiName(NAME)}`,
      `ForwardingRule/${RULE}`,
      `InstanceGroupManager/${REGIONAL}`,
      `InstanceGroupManager/${groupManagerName('control-plane-us-central1-a', 'us-central1-a', NAME)}`,
    ]));
    expect(created.filter((id) => /^(TargetPool|HttpHealthCheck)\//.test(id) || id === `Address/${apiName(NAME)}` || id.startsWith(`InstanceGroupManager/a-${NODES}`))).toEqual([]);
    const rule = plan.changes.find((c) => c.id === `ForwardingRule/${RULE}`)!;
    expect(JSON.stringify(rule)).toContain('INTERNAL');
  });

  it('applies them as the API has them, spreads the regional group over its zones, and plans nothing more after', async () => {
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    const subnet = mine('subnetworks')[0]!;
    const [address] = mine('addresses');
    expect(address).toMatchObject({ name: RULE, addressType: 'INTERNAL', subnetwork: subnet.selfLink });
    const [check] = mine('healthChecks');
    expect(check).toMatchObject({ name: apiName(NAME), type: 'HTTP', httpHealthCheck: { port: API_HEALTH_CHECK_PORT, requestPath: '/readyz' } });
    const cp = mine('instanceGroupManagers').find((g) => String(g.name).includes('control-plane'))!;
    const [service] = mine('backendServices');
    expect(service).toMatchObject({ loadBalancingScheme: 'INTERNAL', protocol: 'TCP', healthChecks: [check!.selfLink], backends: [{ group: cp.instanceGroup, balancingMode: 'CONNECTION' }] });
    const [rule] = mine('forwardingRules');
    expect(rule).toMatchObject({ name: RULE, loadBalancingScheme: 'INTERNAL', IPAddress: address!.address, ports: ['6443'], backendService: service!.selfLink, subnetwork: subnet.selfLink });
    expect(mine('targetPools')).toEqual([]);
    expect(mine('httpHealthChecks')).toEqual([]);
    expect(mine('firewalls').find((f) => f.name === gceName('api-health-check', NAME))).toMatchObject({ sourceRanges: [...INTERNAL_HEALTH_CHECK_SOURCE_RANGES].sort(), allowed: [{ IPProtocol: 'tcp', ports: [String(API_HEALTH_CHECK_PORT)] }] });

    const group = mine('instanceGroupManagers').find((g) => g.name === REGIONAL)!;
    expect(String(group.selfLink)).toContain('/regions/us-central1/instanceGroupManagers/');
    expect(group).toMatchObject({ targetSize: 2, distributionPolicy: { targetShape: 'EVEN' } });
    await waitFor('two running nodes', () => nodeInstances().filter((i) => i.status === 'RUNNING').length === 2);
    expect(nodeInstances().map(zoneOf).sort()).toEqual(['us-central1-a', 'us-central1-b']);

    const again = await planJson();
    expect(again.changes.filter((c) => c.action !== 'noop')).toEqual([]);
  });

  it('rolls a new machine type through the regional group in place (recreateInstances on regionInstanceGroupManagers, each zone kept, no surge)', async () => {
    const ig = parse((await run(['get', 'instancegroup', NODES, '--name', NAME, '-o', 'yaml'])).stdout) as InstanceGroup;
    expect((await run(['replace', '-f', '-'], stringify({ ...ig, spec: { ...ig.spec, machineType: 'e2-standard-4' } }))).code).toBe(0);
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const oldIds = nodeInstances().map((i) => i.id);
    const zoneByName = new Map(nodeInstances().map((i) => [String(i.name), zoneOf(i)]));
    let err = '';
    const ctx = createContext({ out: () => undefined, err: (t) => void (err += t), events: textEventSink((t) => void (err += t), false), env, cwd: process.cwd(), verbose: false, interactive: false, ask: async () => '', readStdin: async () => '' }, {}, 'rolling-update cluster');
    const code = await runRollingUpdate(NAME, { yes: true, cloudonly: true, instanceGroup: [NODES], instanceGroupRoles: [], validationTimeout: 30_000, validateCount: 1, nodeInterval: 0, controlPlaneInterval: 0, drainTimeout: 5_000, failOnValidateError: true, pollMs: 50 }, ctx);
    expect(code, err).toBe(0);
    const nodes = nodeInstances();
    expect(nodes.every((i) => !oldIds.includes(i.id) && i.status === 'RUNNING' && String(i.machineType).endsWith('/e2-standard-4'))).toBe(true);
    expect(nodes.map(zoneOf).sort()).toEqual(['us-central1-a', 'us-central1-b']);
    expect(new Map(nodes.map((i) => [String(i.name), zoneOf(i)]))).toEqual(zoneByName);
    // maxSurge is 1 by default, but a regional group cannot choose the zone of a surge's instance.
    expect(fake.count('POST', new RegExp(`/regions/us-central1/instanceGroupManagers/${REGIONAL}/recreateInstances$`))).toBe(2);
    expect(fake.count('POST', new RegExp(`/regions/us-central1/instanceGroupManagers/${REGIONAL}/(resize|deleteInstances)`))).toBe(0);
    expect((await api('GET', `regions/us-central1/instanceGroupManagers/${REGIONAL}`)).targetSize).toBe(2);
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  });

  it('deletes them with the cluster', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    for (const c of ['addresses', 'healthChecks', 'backendServices', 'forwardingRules', 'instanceGroupManagers', 'instances', 'subnetworks', 'networks']) expect(mine(c), c).toEqual([]);
    expect(fake.requests.filter((r) => r.status >= 500)).toEqual([]);
  });
});

describe('regional groups and an existing service account in the spec, and the fake on internal load balancers', () => {
  const spec = (annotation: string | undefined, role: 'Node' | 'ControlPlane' | 'Bastion', autoscaler = false, gce?: { regionalGroups: boolean }, autoscale?: boolean) =>
    ({
      cluster: { metadata: { name: NAME }, spec: { project: PROJECT, clusterAutoscaler: { enabled: autoscaler }, ...(gce ? { gce } : {}) } },
      instanceGroups: [{ metadata: { name: 'g', ...(annotation === undefined ? {} : { annotations: { [REGIONAL_GROUP_ANNOTATION]: annotation } }) }, spec: { role, ...(autoscale === undefined ? {} : { autoscale }) } }],
    }) as unknown as CompletedSpec;

  it('refuses a bad value, a regional control plane, and a regional group with cluster-autoscaler, with the annotation\'s path', () => {
    const path = `InstanceGroup/g:metadata.annotations["${REGIONAL_GROUP_ANNOTATION}"]`;
    expect(regionalGroupProblems(spec('true', 'Node'))).toEqual([]);
    expect(regionalGroupProblems(spec('false', 'ControlPlane'))).toEqual([]);
    for (const bad of [spec('yes', 'Node'), spec('true', 'ControlPlane'), spec('true', 'Node', true)]) {
      const [problem, ...rest] = regionalGroupProblems(bad);
      expect(rest).toEqual([]);
      expect(problem).toMatchObject({ path, fix: expect.any(String) });
    }
  });

  it('refuses spec.gce.regionalGroups with cluster-autoscaler at the field\'s path, unless every group it would make regional opts out', () => {
    const on = { regionalGroups: true };
    expect(regionalGroupProblems(spec(undefined, 'Node', false, on))).toEqual([]);
    expect(regionalGroupProblems(spec(undefined, 'Node', true, on))).toEqual([expect.objectContaining({ path: 'spec.gce.regionalGroups', value: true, fix: expect.stringContaining('"false"') })]);
    expect(regionalGroupProblems(spec('false', 'Node', true, on))).toEqual([]);
    // The control plane stays zonal whatever the field says, so nothing is regional here.
    expect(regionalGroupProblems(spec(undefined, 'ControlPlane', true, on))).toEqual([]);
  });

  it('lets a group that cluster-autoscaler does not scale be regional while it is on', () => {
    const on = { regionalGroups: true };
    // autoscale: false, by the field or by the annotation; a Bastion group is never scaled.
    expect(regionalGroupProblems(spec(undefined, 'Node', true, on, false))).toEqual([]);
    expect(regionalGroupProblems(spec('true', 'Node', true, undefined, false))).toEqual([]);
    expect(regionalGroupProblems(spec(undefined, 'Bastion', true, on))).toEqual([]);
    expect(regionalGroupProblems(spec('true', 'Bastion', true))).toEqual([]);
    // autoscale: true is what the default means.
    expect(regionalGroupProblems(spec('true', 'Node', true, undefined, true))).toEqual([expect.objectContaining({ fix: expect.stringContaining('spec.autoscale to false') })]);
  });

  it('refuses spec.gce and cloudConfig.gceServiceAccount on other clouds, and an account that is not one, with their paths', () => {
    const cluster = (cloudProvider: string) => ({ spec: { cloudProvider, gce: { regionalGroups: true }, cloudConfig: { gceServiceAccount: 'default' } } }) as unknown as Cluster;
    expect(foreignGceProblems(cluster('gce'))).toEqual([]);
    expect(foreignGceProblems(cluster('aws')).map((p) => p.path)).toEqual(['spec.gce', 'spec.cloudConfig.gceServiceAccount']);
    const account = (gceServiceAccount: string) => existingAccountProblems({ ...spec(undefined, 'Node'), cluster: { metadata: { name: NAME }, spec: { project: PROJECT, cloudConfig: { gceServiceAccount } } } } as unknown as CompletedSpec);
    expect(account('default')).toEqual([]);
    expect(account('k8s@other-project.iam.gserviceaccount.com')).toEqual([]);
    for (const bad of ['k8s', '123456789012-compute@developer.gserviceaccount.com', accountEmail(accountId(NAME, { controlPlane: true }), PROJECT)]) {
      expect(account(bad)).toEqual([expect.objectContaining({ path: 'spec.cloudConfig.gceServiceAccount', value: bad, fix: expect.any(String) })]);
    }
  });

  it('takes regional HTTPS health checks as the API has them, and refuses the shapes GCE refuses', async () => {
    const check = (name: string, extra: Record<string, unknown>) => api('POST', 'regions/us-central1/healthChecks', { name, type: 'HTTPS', ...extra });
    expect(reason(await check('hc-https', { httpsHealthCheck: { port: 6443, requestPath: '/readyz' } }))).toBeUndefined();
    expect(await api('GET', 'regions/us-central1/healthChecks/hc-https')).toMatchObject({ type: 'HTTPS', httpsHealthCheck: { port: 6443, requestPath: '/readyz', portSpecification: 'USE_FIXED_PORT', proxyHeader: 'NONE' } });
    expect(reason(await check('hc-serving', { httpsHealthCheck: { portSpecification: 'USE_SERVING_PORT', requestPath: '/readyz' } }))).toBeUndefined();
    for (const bad of [
      {},
      { httpHealthCheck: { port: 6443 } },
      { httpsHealthCheck: { port: 6443, requestPath: 'readyz' } },
      { httpsHealthCheck: { port: 70000 } },
      { httpsHealthCheck: { portSpecification: 'USE_SERVING_PORT', port: 6443 } },
      { httpsHealthCheck: { portSpecification: 'USE_NAMED_PORT' } },
      { httpsHealthCheck: { port: 6443, proxyHeader: 'PROXY_V2' } },
      { httpsHealthCheck: { port: 6443, requestPath: `/${'x'.repeat(1024)}` } },
    ]) {
      expect(['required', 'invalid'], JSON.stringify(bad)).toContain(reason(await check('hc-bad', bad)));
    }
    expect(fake.resources('healthChecks').map((h) => h.name)).not.toContain('hc-bad');
  });

  it('refuses what the API refuses: a portRange on an internal rule, a backend service without a regional check, deleting a group or check in use; takes two rules in two subnetworks to one backend service', async () => {
    expect(reason(await api('POST', 'global/networks', { name: 'net-i', autoCreateSubnetworks: false }))).toBeUndefined();
    expect(reason(await api('POST', 'regions/us-central1/subnetworks', { name: 'sub-i', network: 'global/networks/net-i', ipCidrRange: '10.9.0.0/20' }))).toBeUndefined();
    expect(reason(await api('POST', 'global/instanceTemplates', { name: 't-i', properties: { machineType: 'e2-medium', disks: [{ boot: true, initializeParams: { sourceImage: 'projects/debian-cloud/global/images/family/debian-12' } }], networkInterfaces: [{ network: 'global/networks/net-i', subnetwork: 'regions/us-central1/subnetworks/sub-i' }] } }))).toBeUndefined();
    expect(reason(await api('POST', 'zones/us-central1-a/instanceGroupManagers', { name: 'g-i', baseInstanceName: 'g-i', instanceTemplate: 'global/instanceTemplates/t-i', targetSize: 0 }))).toBeUndefined();
    expect(reason(await api('POST', 'regions/us-central1/healthChecks', { name: 'hc-i', type: 'TCP' }))).toBe('required');
    expect(reason(await api('POST', 'regions/us-central1/healthChecks', { name: 'hc-i', type: 'TCP', tcpHealthCheck: { port: 6443 } }))).toBeUndefined();
    expect(reason(await api('POST', 'regions/us-central1/backendServices', { name: 'bs-i', loadBalancingScheme: 'INTERNAL', protocol: 'TCP', backends: [] }))).toBe('required');
    const backends = [{ group: 'zones/us-central1-a/instanceGroups/g-i' }];
    expect(reason(await api('POST', 'regions/us-central1/backendServices', { name: 'bs-i', loadBalancingScheme: 'INTERNAL', protocol: 'TCP', healthChecks: ['regions/us-central1/healthChecks/hc-i'], backends }))).toBeUndefined();
    expect(reason(await api('POST', 'regions/us-central1/addresses', { name: 'ip-i', addressType: 'INTERNAL', subnetwork: 'regions/us-central1/subnetworks/sub-i' }))).toBeUndefined();
    const rule = { name: 'fr-i', loadBalancingScheme: 'INTERNAL', IPProtocol: 'TCP', IPAddress: 'regions/us-central1/addresses/ip-i', backendService: 'regions/us-central1/backendServices/bs-i', network: 'global/networks/net-i', subnetwork: 'regions/us-central1/subnetworks/sub-i' };
    expect(reason(await api('POST', 'regions/us-central1/forwardingRules', { ...rule, portRange: '6443-6443' }))).toBe('invalid');
    expect(reason(await api('POST', 'regions/us-central1/forwardingRules', { ...rule, ports: ['6443'] }))).toBeUndefined();
    // A second rule, on an address of another subnetwork, to the same backend service (one per control-plane subnet).
    expect(reason(await api('POST', 'regions/us-central1/subnetworks', { name: 'sub-i2', network: 'global/networks/net-i', ipCidrRange: '10.9.16.0/20' }))).toBeUndefined();
    expect(reason(await api('POST', 'regions/us-central1/addresses', { name: 'ip-i2', addressType: 'INTERNAL', subnetwork: 'regions/us-central1/subnetworks/sub-i2' }))).toBeUndefined();
    expect(reason(await api('POST', 'regions/us-central1/forwardingRules', { ...rule, name: 'fr-i2', IPAddress: 'regions/us-central1/addresses/ip-i2', subnetwork: 'regions/us-central1/subnetworks/sub-i2', ports: ['6443'] }))).toBeUndefined();
    expect(reason(await api('DELETE', 'zones/us-central1-a/instanceGroupManagers/g-i'))).toBe('resourceInUseByAnotherResource');
    expect(reason(await api('DELETE', 'regions/us-central1/healthChecks/hc-i'))).toBe('resourceInUseByAnotherResource');
    expect(reason(await api('DELETE', 'regions/us-central1/backendServices/bs-i'))).toBe('resourceInUseByAnotherResource');
  });
});
