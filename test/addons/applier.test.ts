/**
 * The control plane's addon applier against the local API server on a real etcd, with a channel
 * and manifests written into a file state store as `update cluster` publishes them: addons
 * applied in order and recorded, a changed one re-applied once with what it dropped pruned, a
 * removed one pruned entirely, an object the API server refuses named in the report (and in
 * `validate cluster`'s addon check) while the other addons still apply, one applier at a time
 * by the Lease, and the real kubectl listing the applied workloads and reading hoist's own
 * addons' objects back.
 */

import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { addonFailures } from '../../cloudup/rolling/validate-addons.js';
import { builtinAddons } from '../../cloudup/addons/render.js';
import { WORKLOAD_IDENTITY_CREDENTIALS } from '../../cloudup/gce/workload-identity-credentials.js';
import { poolId } from '../../cloudup/gce/workload-identity-names.js';
import { cloudAddonsOf, SPEC_RULES } from '../../cloudup/providers.js';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import { AddonApplier } from '../../nodeup/addons/applier.js';
import type { AddonChannel, AddonHealthCheck, AddonStatusReport } from '../../nodeup/addons/channel.js';
import { ADDON_NAME_LABEL, ADDON_VERSION_LABEL, addonChannelKey, addonManifestKey, addonStatusKey } from '../../nodeup/addons/channel.js';
import { recorder } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { openStore } from '../../state-store/open.js';
import { kubectl, makePki, removeDir, startEtcd, startServer, writeKubeconfig } from '../apiserver/support.js';
import type { Etcd } from '../apiserver/support.js';

const CLUSTER = 'addons.example.com';
let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let kubeconfigPath: string;
let kc: KubeConfig;
let store: ObjectStore;
const log = recorder();

interface TestAddon {
  readonly name: string;
  readonly version: string;
  readonly objects: readonly Record<string, unknown>[];
  readonly health?: readonly AddonHealthCheck[];
}

/** Writes each manifest under its hash and the channel naming them, as update cluster publishes. */
async function publish(addons: readonly TestAddon[]): Promise<void> {
  const entries: AddonChannel['addons'] = [];
  for (const a of addons) {
    const text = a.objects.map((o) => stringify(o)).join('---\n');
    const sha256 = createHash('sha256').update(text).digest('hex');
    await store.put(addonManifestKey(CLUSTER, a.name, sha256), text);
    entries.push({ name: a.name, version: a.version, sha256, source: 'builtin', health: [...(a.health ?? [])] });
  }
  const channel: AddonChannel = { apiVersion: 'hoist.dev/v1alpha1', kind: 'AddonChannel', cluster: CLUSTER, addons: entries };
  await store.put(addonChannelKey(CLUSTER), stringify(channel));
}

const applier = (instanceId = 'cp-1') => new AddonApplier({ cluster: CLUSTER, instanceId, store, kube: kc, events: log.sink, healthTimeoutMs: 0, retryBaseMs: 60_000 });

async function report(): Promise<AddonStatusReport> {
  const stored = await store.get(addonStatusKey(CLUSTER));
  return JSON.parse(Buffer.from(stored?.body ?? '{}').toString('utf8')) as AddonStatusReport;
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

const labels = { app: 'demo' };
const core: TestAddon = {
  name: 'core',
  version: '1.0.0',
  objects: [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:hoist-test' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kindnet', namespace: 'kube-system' } },
  ],
};
const kindnet = (version: string): TestAddon => ({
  name: 'kindnet',
  version,
  objects: [
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kindnet', namespace: 'kube-system' },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'kindnet', image: `docker.io/kindest/kindnetd:v${version}` }] } } },
    },
  ],
});
const coredns = (corefile: string, withService: boolean): TestAddon => ({
  name: 'coredns',
  version: '1.11.3',
  health: [{ kind: 'Deployment', namespace: 'kube-system', name: 'coredns' }],
  objects: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: corefile } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system' },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.3' }] } } },
    },
    ...(withService ? [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { selector: labels, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } }] : []),
  ],
});
// Written with the objects before their Namespace: the applier puts Namespaces and CRDs first.
const extras: TestAddon = {
  name: 'extras',
  version: '0.1.0',
  objects: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'extras-system' }, data: { a: '1' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'extras-system' } },
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
    },
    { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'extras-critical' }, value: 1000 },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-addons-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  const pki = await makePki();
  server = await startServer(etcd, pki);
  kubeconfigPath = await writeKubeconfig(dir, 'admin.conf', server.url, pki, pki.admin);
  kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  store = await openStore(`file://${join(dir, 'state')}`);
});

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
  await removeDir(dir);
});

describe('the addon applier', () => {
  it('applies the channel in order, labels every object, records the addons in the cluster and reports them Applied', async () => {
    await publish([core, kindnet('1.0.0'), coredns('.:53 { forward . /etc/resolv.conf }', true), extras]);
    const result = await applier().pass();
    expect(result.leader).toBe(true);
    expect(result.applied).toEqual(['core', 'kindnet', 'coredns', 'extras']);
    const core1 = kc.makeApiClient(CoreV1Api);
    const ds = await kc.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ name: 'kindnet', namespace: 'kube-system' });
    expect(ds.metadata?.labels).toMatchObject({ [ADDON_NAME_LABEL]: 'kindnet', [ADDON_VERSION_LABEL]: '1.0.0' });
    expect(ds.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['hoist-addons', 'Apply']]);
    expect((await core1.readNamespacedConfigMap({ name: 'settings', namespace: 'extras-system' })).data).toEqual({ a: '1' });
    const record = await core1.readNamespacedConfigMap({ name: 'hoist-addons', namespace: 'kube-system' });
    expect(Object.keys(record.data ?? {}).sort()).toEqual(['core', 'coredns', 'extras', 'kindnet']);
    expect(JSON.parse(record.data?.kindnet ?? '{}')).toMatchObject({ version: '1.0.0', objects: [{ kind: 'DaemonSet', namespace: 'kube-system', name: 'kindnet' }] });
    const r = await report();
    expect(r).toMatchObject({ cluster: CLUSTER, instanceId: 'cp-1' });
    expect(r.addons.map((a) => [a.name, a.phase])).toEqual([['core', 'Applied'], ['kindnet', 'Applied'], ['coredns', 'Applied'], ['extras', 'Applied']]);
    // coredns's Deployment has no available replica (no controller runs here): applied, not healthy.
    expect(r.addons.find((a) => a.name === 'coredns')?.healthy).toBe(false);
    expect(r.addons.find((a) => a.name === 'core')?.healthy).toBe(true);
  });

  it('looks at an unhealthy addon again without applying it, and reports it healthy once its Deployment is available', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
    await apps.replaceNamespacedDeploymentStatus({ name: 'coredns', namespace: 'kube-system', body: { ...d, status: { observedGeneration: d.metadata?.generation ?? 1, replicas: 1, availableReplicas: 1, readyReplicas: 1 } } });
    const result = await applier().pass();
    expect(result.applied).toEqual([]);
    expect((await report()).addons.find((a) => a.name === 'coredns')).toMatchObject({ phase: 'Applied', healthy: true });
  });

  it('re-applies only a changed addon, once, pruning the object it dropped, and leaves the others untouched', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const core1 = kc.makeApiClient(CoreV1Api);
    const before = (await apps.readNamespacedDaemonSet({ name: 'kindnet', namespace: 'kube-system' })).metadata?.resourceVersion;
    await publish([core, kindnet('1.0.0'), coredns('.:53 { forward . 8.8.8.8 }', false), extras]);
    const a = applier();
    expect((await a.pass()).applied).toEqual(['coredns']);
    expect((await core1.readNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system' })).data?.Corefile).toBe('.:53 { forward . 8.8.8.8 }');
    // The Service was the only one of its kind in coredns: pruned by the record's kinds.
    expect(await code(core1.readNamespacedService({ name: 'kube-dns', namespace: 'kube-system' }))).toBe(404);
    expect((await apps.readNamespacedDaemonSet({ name: 'kindnet', namespace: 'kube-system' })).metadata?.resourceVersion).toBe(before);
    expect((await a.pass()).applied).toEqual([]);
    // A new applier (another machine, a restart) reads the record in the cluster: nothing to apply either.
    expect((await applier().pass()).applied).toEqual([]);
  });

  it('prunes every object of an addon that left the channel', async () => {
    await publish([core, kindnet('1.0.0'), coredns('.:53 { forward . 8.8.8.8 }', false)]);
    const result = await applier().pass();
    expect(result.pruned).toEqual(['extras']);
    const core1 = kc.makeApiClient(CoreV1Api);
    expect(await code(core1.readNamespace({ name: 'extras-system' }))).toBe(404);
    expect(await code(core1.readNamespacedConfigMap({ name: 'settings', namespace: 'extras-system' }))).toBe(404);
    const crds = await kubectl(kubeconfigPath, dir, ['get', 'crd,priorityclass', '-o', 'name']);
    expect(crds.stdout).not.toMatch(/widgets|extras-critical/);
    expect((await report()).addons.find((a) => a.name === 'extras')?.phase).toBe('Pruned');
    const record = await core1.readNamespacedConfigMap({ name: 'hoist-addons', namespace: 'kube-system' });
    expect(Object.keys(record.data ?? {}).sort()).toEqual(['core', 'coredns', 'kindnet']);
  });

  it('keeps an object that moved to another addon when the addon that held it leaves the channel', async () => {
    const gadgets = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.example.com' }, spec: { group: 'example.com', names: { kind: 'Gadget', plural: 'gadgets' }, scope: 'Cluster', versions: [{ name: 'v1', served: true, storage: true }] } };
    const mine = coredns('.:53 { forward . 8.8.8.8 }', false);
    // A user addon held the CRD; then the network plugin ships it and the user addon goes, in one publish.
    await publish([core, kindnet('1.0.0'), mine, { name: 'gadget-crds', version: 'abc', objects: [gadgets] }]);
    expect((await applier().pass()).applied).toEqual(['gadget-crds']);
    const kindnetWithCrd = { ...kindnet('1.0.0'), objects: [...kindnet('1.0.0').objects, gadgets] };
    await publish([core, kindnetWithCrd, mine]);
    const result = await applier().pass();
    expect(result.applied).toEqual(['kindnet']);
    expect(result.pruned).toEqual(['gadget-crds']);
    const got = await kubectl(kubeconfigPath, dir, ['get', 'crd', 'gadgets.example.com', '-o', `jsonpath={.metadata.labels.addons\\.hoist\\.dev/name}`]);
    expect(got.stdout).toBe('kindnet');
    // Back to the plain plugin: the CRD now goes with kindnet's prune.
    await publish([core, kindnet('1.0.0'), mine]);
    await applier().pass();
    expect((await kubectl(kubeconfigPath, dir, ['get', 'crd', '-o', 'name'])).stdout).not.toContain('gadgets');
  });

  it('reports an addon whose object the API server refuses as Failed, naming the object, and applies the others; validate names it', async () => {
    const broken: TestAddon = {
      name: 'broken',
      version: '2.0.0',
      objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-valid-', namespace: 'kube-system' }, data: {} }],
    };
    await publish([core, broken, kindnet('1.1.0'), coredns('.:53 { forward . 8.8.8.8 }', false)]);
    const result = await applier().pass();
    expect(result.applied).toEqual(['broken', 'kindnet']);
    const r = await report();
    const failed = r.addons.find((a) => a.name === 'broken');
    expect(failed?.phase).toBe('Failed');
    expect(failed?.error).toMatch(/^ConfigMap\/kube-system\/not-valid-: HTTP 422: .*metadata\.name/);
    expect(r.addons.find((a) => a.name === 'kindnet')).toMatchObject({ phase: 'Applied', version: '1.1.0' });
    const ds = await kc.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ name: 'kindnet', namespace: 'kube-system' });
    expect(ds.spec?.template.spec?.containers[0]?.image).toBe('docker.io/kindest/kindnetd:v1.1.0');
    expect(log.events.some((e) => e.code === 'addons.failed' && e.message.includes('not-valid-'))).toBe(true);
    const failures = await addonFailures(store, CLUSTER);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ kind: 'addon', name: 'broken' });
    expect(failures[0]?.message).toMatch(/^2\.0\.0 failed to apply: ConfigMap\/kube-system\/not-valid-: HTTP 422/);
  });

  it('holds back the addons after core while core fails, and refuses a manifest whose bytes are not its hash', async () => {
    const badCore: TestAddon = { ...core, version: '1.0.1', objects: [...core.objects, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bad-', namespace: 'kube-system' } }] };
    await publish([badCore, kindnet('1.2.0'), coredns('.:53 { forward . 8.8.8.8 }', false)]);
    const result = await applier().pass();
    expect(result.applied).toEqual(['core']);
    const r = await report();
    expect(r.addons.find((a) => a.name === 'core')?.error).toMatch(/^ServiceAccount\/kube-system\/bad-: HTTP 422/);
    expect(r.addons.find((a) => a.name === 'kindnet')).toMatchObject({ version: '1.2.0', phase: 'Applying' });
    const ds = await kc.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ name: 'kindnet', namespace: 'kube-system' });
    expect(ds.spec?.template.spec?.containers[0]?.image).toBe('docker.io/kindest/kindnetd:v1.1.0');
    expect(log.events.some((e) => e.code === 'addons.blocked' && e.message.includes('core'))).toBe(true);

    // Other bytes stored under the hash the channel names: refused before anything is applied.
    await publish([core, kindnet('1.2.0'), coredns('.:53 { forward . 8.8.8.8 }', false)]);
    const channel = parse(Buffer.from((await store.get(addonChannelKey(CLUSTER)))?.body ?? '').toString('utf8')) as AddonChannel;
    const entry = channel.addons.find((a) => a.name === 'kindnet');
    await store.put(addonManifestKey(CLUSTER, 'kindnet', entry?.sha256 ?? ''), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: swapped, namespace: kube-system }\n');
    const second = await applier().pass();
    // core's manifest is again the one recorded: nothing to apply, and it no longer holds kindnet back.
    expect(second.applied).toEqual(['kindnet']);
    const after = await report();
    expect(after.addons.find((a) => a.name === 'core')?.phase).toBe('Applied');
    expect(after.addons.find((a) => a.name === 'kindnet')?.error).toMatch(/^manifest of kindnet has sha256 [0-9a-f]{64}, not the channel's [0-9a-f]{64}/);
    expect(await code(kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'swapped', namespace: 'kube-system' }))).toBe(404);
    // Put right for the tests after this one.
    await publish([core, kindnet('1.1.0'), coredns('.:53 { forward . 8.8.8.8 }', false)]);
  });

  it('lets one applier at a time apply: another machine waits while the Lease is held', async () => {
    const first = applier('cp-1');
    const second = applier('cp-2');
    expect((await first.pass()).leader).toBe(true);
    expect(await second.pass()).toEqual({ leader: false, applied: [], pruned: [] });
    const loop = first.start();
    await loop.stop();
    // Released when the first stopped: the second takes over at once.
    expect((await second.pass()).leader).toBe(true);
  });

  it('shows the applied workloads to the real kubectl', async () => {
    const got = await kubectl(kubeconfigPath, dir, ['get', 'deploy,ds', '-n', 'kube-system']);
    expect(got.stderr).toBe('');
    expect(got.stdout).toMatch(/deployment\.apps\/coredns\s+1\/1\s+0\s+1\s+\S+/);
    expect(got.stdout).toMatch(/daemonset\.apps\/kindnet\s+0\s+0\s+0\s+0\s+0\s+\S+/);
  });

  it('applies hoist\'s own aws-iam-authenticator addon: its CRD, identity mappings, mounted file and DaemonSet', async () => {
    const made = newClusterSpec({ name: CLUSTER, cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const aws = { backendMode: 'CRD,MountedFile', identityMappings: [{ arn: 'arn:aws:iam::123456789012:role/KubernetesAdmin', username: 'admin', groups: ['system:masters'] }] };
    const completed = completeSpec({ ...made.cluster, spec: { ...made.cluster.spec, authentication: { aws } } }, made.instanceGroups);
    const authenticator = builtinAddons(completed, await cloudAddonsOf('aws')).find((a) => a.name === 'aws-iam-authenticator')!;
    await publish([core, kindnet('1.1.0'), coredns('.:53 { forward . 8.8.8.8 }', false), authenticator]);
    // cp-2 holds the Lease since the test before.
    expect((await applier('cp-2').pass()).applied).toEqual(['aws-iam-authenticator']);
    expect((await report()).addons.find((a) => a.name === 'aws-iam-authenticator')).toMatchObject({ phase: 'Applied', version: '0.5.9' });
    const got = await kubectl(kubeconfigPath, dir, ['get', 'iamidentitymappings', '-o', 'jsonpath={.items[*].spec.arn}']);
    expect(got.stdout).toBe(aws.identityMappings[0]!.arn);
    const config = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'aws-iam-authenticator', namespace: 'kube-system' });
    expect(config.data?.['config.yaml']).toContain(`clusterID: ${CLUSTER}`);
    expect((await kc.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ name: 'aws-iam-authenticator', namespace: 'kube-system' })).spec?.template.spec?.hostNetwork).toBe(true);
  });

  it('applies hoist\'s own aws-node-termination-handler addon: its DaemonSet and RBAC, listed by the real kubectl', async () => {
    const made = newClusterSpec({ name: CLUSTER, cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const aws = { backendMode: 'CRD,MountedFile', identityMappings: [{ arn: 'arn:aws:iam::123456789012:role/KubernetesAdmin', username: 'admin', groups: ['system:masters'] }] };
    const completed = completeSpec({ ...made.cluster, spec: { ...made.cluster.spec, authentication: { aws }, nodeTerminationHandler: { enableRebalanceMonitoring: true, taintNode: true } } }, made.instanceGroups);
    const addons = builtinAddons(completed, await cloudAddonsOf('aws'));
    const pick = (name: string) => addons.find((a) => a.name === name)!;
    await publish([core, kindnet('1.1.0'), coredns('.:53 { forward . 8.8.8.8 }', false), pick('aws-iam-authenticator'), pick('aws-node-termination-handler')]);
    expect((await applier('cp-2').pass()).applied).toEqual(['aws-node-termination-handler']);
    expect((await report()).addons.find((a) => a.name === 'aws-node-termination-handler')).toMatchObject({ phase: 'Applied', version: '1.22.0' });
    const ds = await kubectl(kubeconfigPath, dir, ['get', 'ds', 'aws-node-termination-handler', '-n', 'kube-system', '-o', 'jsonpath={.spec.template.spec.hostNetwork} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[?(@.name=="TAINT_NODE")].value}']);
    expect(ds.stderr).toBe('');
    expect(ds.stdout).toBe('true public.ecr.aws/aws-ec2/aws-node-termination-handler:v1.22.0 true');
    const rbac = await kubectl(kubeconfigPath, dir, ['get', 'serviceaccount/aws-node-termination-handler', 'clusterrole/aws-node-termination-handler', 'clusterrolebinding/aws-node-termination-handler', '-n', 'kube-system', '-o', 'name']);
    expect(rbac.stdout.trim().split('\n')).toEqual(['serviceaccount/aws-node-termination-handler', 'clusterrole.rbac.authorization.k8s.io/aws-node-termination-handler', 'clusterrolebinding.rbac.authorization.k8s.io/aws-node-termination-handler']);
    const eviction = await kubectl(kubeconfigPath, dir, ['get', 'clusterrole', 'aws-node-termination-handler', '-o', 'jsonpath={.rules[?(@.resources[0]=="pods/eviction")].verbs[0]}']);
    expect(eviction.stdout).toBe('create');
  });

  it('applies hoist\'s own node-local-dns addon (spec.kubeDNS.nodeLocalDNS): its Corefile, kube-dns-upstream Service and DaemonSet, read by the real kubectl', async () => {
    const made = newClusterSpec({ name: CLUSTER, cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const aws = { backendMode: 'CRD,MountedFile', identityMappings: [{ arn: 'arn:aws:iam::123456789012:role/KubernetesAdmin', username: 'admin', groups: ['system:masters'] }] };
    const kubeDNS = { nodeLocalDNS: { enabled: true, localIP: '169.254.0.53', forwardToKubeDNS: true } };
    const completed = completeSpec({ ...made.cluster, spec: { ...made.cluster.spec, authentication: { aws }, nodeTerminationHandler: { enableRebalanceMonitoring: true, taintNode: true }, kubeDNS } }, made.instanceGroups);
    const addons = builtinAddons(completed, await cloudAddonsOf('aws'));
    const pick = (name: string) => addons.find((a) => a.name === name)!;
    await publish([core, kindnet('1.1.0'), coredns('.:53 { forward . 8.8.8.8 }', false), pick('aws-iam-authenticator'), pick('aws-node-termination-handler'), pick('node-local-dns')]);
    expect((await applier('cp-2').pass()).applied).toEqual(['node-local-dns']);
    expect((await report()).addons.find((a) => a.name === 'node-local-dns')).toMatchObject({ phase: 'Applied', version: '1.22.20' });
    const ds = await kubectl(kubeconfigPath, dir, ['get', 'ds', 'node-local-dns', '-n', 'kube-system', '-o', 'jsonpath={.spec.template.spec.hostNetwork} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].args[0]}']);
    expect(ds.stderr).toBe('');
    expect(ds.stdout).toBe('true registry.k8s.io/dns/k8s-dns-node-cache:1.22.20 -localip=169.254.0.53');
    const corefile = await kubectl(kubeconfigPath, dir, ['get', 'configmap', 'node-local-dns', '-n', 'kube-system', '-o', 'jsonpath={.data.Corefile}']);
    expect(corefile.stdout).toContain('cluster.local:53 {');
    expect(corefile.stdout).toContain('bind 169.254.0.53');
    expect(corefile.stdout).not.toContain('__PILLAR__UPSTREAM__SERVERS__');
    const upstream = await kubectl(kubeconfigPath, dir, ['get', 'service', 'kube-dns-upstream', '-n', 'kube-system', '-o', 'jsonpath={.spec.selector.k8s-app} {.spec.ports[*].protocol}']);
    expect(upstream.stdout).toBe('kube-dns UDP TCP');
  });

  it('applies hoist\'s own gcp-workload-identity-credentials addon (gce): each service account\'s credential configuration in its namespace, read back by the real kubectl', async () => {
    const made = newClusterSpec({ name: CLUSTER, cloud: 'gce', zones: ['us-central1-a'], project: 'hoist-test', kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const iam = {
      useServiceAccountExternalPermissions: true,
      serviceAccountExternalPermissions: [
        { name: 's3-reader', namespace: 'apps', gcp: { serviceAccount: 'app-reader@hoist-test.iam.gserviceaccount.com' } },
        { name: 'external-dns', namespace: 'kube-system', gcp: { serviceAccount: 'external-dns@hoist-test.iam.gserviceaccount.com' } },
      ],
    };
    const completed = completeSpec({ ...made.cluster, spec: { ...made.cluster.spec, serviceAccountIssuerDiscovery: { discoveryStore: 'gs://example-oidc-discovery' }, iam } }, made.instanceGroups);
    const credentials = builtinAddons(completed, await cloudAddonsOf('gce'), { account: { id: '123456789012', partition: 'gcp' } }).find((a) => a.name === WORKLOAD_IDENTITY_CREDENTIALS)!;
    // The namespace is the user's: the addon makes none.
    expect((await kubectl(kubeconfigPath, dir, ['create', 'namespace', 'apps'])).stderr).toBe('');
    // The addons the tests before published stay in the channel.
    const awsMade = newClusterSpec({ name: CLUSTER, cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const awsSpec = { authentication: { aws: { backendMode: 'CRD,MountedFile', identityMappings: [{ arn: 'arn:aws:iam::123456789012:role/KubernetesAdmin', username: 'admin', groups: ['system:masters'] }] } }, nodeTerminationHandler: { enableRebalanceMonitoring: true, taintNode: true }, kubeDNS: { nodeLocalDNS: { enabled: true, localIP: '169.254.0.53', forwardToKubeDNS: true } } };
    const aws = builtinAddons(completeSpec({ ...awsMade.cluster, spec: { ...awsMade.cluster.spec, ...awsSpec } }, awsMade.instanceGroups), await cloudAddonsOf('aws'));
    const pick = (name: string) => aws.find((a) => a.name === name)!;
    await publish([core, kindnet('1.1.0'), coredns('.:53 { forward . 8.8.8.8 }', false), pick('aws-iam-authenticator'), pick('aws-node-termination-handler'), pick('node-local-dns'), credentials]);
    expect((await applier('cp-2').pass()).applied).toEqual([WORKLOAD_IDENTITY_CREDENTIALS]);
    expect((await report()).addons.find((a) => a.name === WORKLOAD_IDENTITY_CREDENTIALS)).toMatchObject({ phase: 'Applied', version: '1.0.0' });
    const got = await kubectl(kubeconfigPath, dir, ['get', 'configmap', 's3-reader-gcp-credentials', '-n', 'apps', '-o', 'jsonpath={.data.credential-configuration\\.json}']);
    expect(got.stderr).toBe('');
    expect(JSON.parse(got.stdout)).toEqual({
      type: 'external_account',
      audience: `//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/${poolId(CLUSTER)}/providers/kubernetes`,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: 'https://sts.googleapis.com/v1/token',
      credential_source: { file: '/var/run/service-account/token' },
      service_account_impersonation_url: 'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/app-reader@hoist-test.iam.gserviceaccount.com:generateAccessToken',
    });
    const dns = await kubectl(kubeconfigPath, dir, ['get', 'configmap', 'external-dns-gcp-credentials', '-n', 'kube-system', '-o', `jsonpath={.metadata.labels.${ADDON_NAME_LABEL.replace(/\./g, '\\.')}} {.data.credential-configuration\\.json}`]);
    expect(dns.stdout).toMatch(new RegExp(`^${WORKLOAD_IDENTITY_CREDENTIALS} \\{`));
    expect(dns.stdout).toContain('serviceAccounts/external-dns@hoist-test.iam.gserviceaccount.com:generateAccessToken');
  });
});
