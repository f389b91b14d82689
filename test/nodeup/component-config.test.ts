/**
 * What the control plane's components get from spec.authentication.oidc and a
 * KubeSchedulerConfiguration additional object: the API server's OIDC flags, and the scheduler's
 * configuration file (the object's fields over hoist's, hoist's kubeconfig kept), which changes
 * the control plane's nodeup.yaml hash (so it shows in the plan and rolls the control plane) and
 * no other group's. Pure: nodeup.yaml is built and modelled in memory.
 */

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, CompletedSpec } from '../../src/api/index.js';
import { buildNodeupConfigs } from '../../cloudup/nodeup/build.js';
import { nodeConfigHashes } from '../../cloudup/node-config.js';
import { buildLocalTasks } from '../../cloudup/local/model/index.js';
import { testBoot } from '../support/boot.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { buildNodeModel } from '../../nodeup/model/index.js';
import type { NodePki } from '../../nodeup/pki/material.js';
import { SCHEDULER_CONFIG_PATH, schedulerConfiguration } from '../../nodeup/model/scheduler-config.js';

const NAME = 'components.k8s.local';
type Extra = Partial<{ -readonly [K in keyof ClusterSpec]: ClusterSpec[K] }>;

function completed(extra: Extra = {}): CompletedSpec {
  const made = newClusterSpec({ name: NAME, cloud: 'local', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...extra } };
  return completeSpec(cluster, made.instanceGroups);
}

const configs = (extra: Extra = {}) => buildNodeupConfigs(completed(extra), { stateStore: 'file:///state', assets: [] });
const controlPlaneOf = (c: ReturnType<typeof configs>) => [...c.entries()].find(([, f]) => f.config.role === 'ControlPlane')!;

// The model reads only names and fingerprints of the CAs to plan: no key is needed.
const PKI: NodePki = {
  trusted: () => ({ bundle: '', primaryFingerprint: 'sha256:0', certificates: [] }),
  keypair: () => ({ privateKey: '', fingerprint: 'sha256:0' }),
  token: () => ({ token: '', fingerprint: 'sha256:0' }),
  secret: () => ({ content: '', sha256: '' }),
  issue: () => Promise.reject(new Error('not issued in a pure test')),
};

function files(extra: Extra = {}): Map<string, string> {
  const [, file] = controlPlaneOf(configs(extra));
  const model = buildNodeModel({ config: file.config, node: { instanceId: 'i-1', address: '127.0.0.2', nodeName: 'i-1' }, pki: PKI });
  return new Map(model.tasks.filter((t) => t.kind === 'File').map((t) => [t.name, String(t.desired['content'])]));
}

const commandOf = (manifest: string | undefined): string[] =>
  (parse(manifest ?? '') as { spec: { containers: { command: string[] }[] } }).spec.containers[0]!.command;

const SCHEDULER: NonNullable<ClusterSpec['additionalObjects']>[number] = {
  apiVersion: 'kubescheduler.config.k8s.io/v1',
  kind: 'KubeSchedulerConfiguration',
  clientConnection: { kubeconfig: '/somewhere/else.conf', qps: 200 },
  profiles: [{ schedulerName: 'default-scheduler', pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }] }],
};

describe('spec.authentication.oidc on the control plane', () => {
  const oidc = { issuerURL: 'https://accounts.example.com', clientID: 'kubernetes', usernameClaim: 'email', usernamePrefix: 'oidc:', groupsClaims: ['groups'], groupsPrefix: 'oidc:', requiredClaims: { hd: 'example.com', tier: 'a,b' } };

  it('gives the API server every OIDC flag, one --oidc-required-claim per claim', () => {
    const command = commandOf(files({ authentication: { oidc } }).get('/etc/kubernetes/manifests/kube-apiserver.yaml'));
    expect(command).toEqual(expect.arrayContaining([
      '--oidc-issuer-url=https://accounts.example.com',
      '--oidc-client-id=kubernetes',
      '--oidc-username-claim=email',
      '--oidc-username-prefix=oidc:',
      '--oidc-groups-claim=groups',
      '--oidc-groups-prefix=oidc:',
      '--oidc-required-claim=hd=example.com',
      '--oidc-required-claim=tier=a,b',
    ]));
    expect(commandOf(files().get('/etc/kubernetes/manifests/kube-apiserver.yaml')).filter((f) => f.startsWith('--oidc'))).toEqual([]);
  });

  it('keeps the configuration hash when kubeAPIServer\'s oidc fields move to authentication.oidc', () => {
    const old = controlPlaneOf(configs({ kubeAPIServer: { oidcIssuerURL: 'https://accounts.example.com', oidcClientID: 'kubernetes', oidcGroupsClaim: 'groups' } }))[1].hash;
    const moved = controlPlaneOf(configs({ authentication: { oidc: { issuerURL: 'https://accounts.example.com', clientID: 'kubernetes', groupsClaims: ['groups'] } } }))[1].hash;
    expect(moved).toBe(old);
    expect(moved).not.toBe(controlPlaneOf(configs())[1].hash);
  });
});

describe('a KubeSchedulerConfiguration additional object', () => {
  it('is merged over hoist\'s scheduler configuration, with hoist\'s kubeconfig, and the scheduler reads it', () => {
    const written = files({ additionalObjects: [SCHEDULER] });
    const config = parse(written.get(SCHEDULER_CONFIG_PATH) ?? '') as Record<string, unknown>;
    expect(config).toEqual({
      apiVersion: 'kubescheduler.config.k8s.io/v1',
      kind: 'KubeSchedulerConfiguration',
      clientConnection: { kubeconfig: '/etc/kubernetes/scheduler.conf', qps: 200 },
      leaderElection: { leaderElect: true },
      profiles: SCHEDULER['profiles'],
    });
    const manifest = written.get('/etc/kubernetes/manifests/kube-scheduler.yaml');
    expect(commandOf(manifest)).toContain(`--config=${SCHEDULER_CONFIG_PATH}`);
    expect(manifest).toContain(`mountPath: ${SCHEDULER_CONFIG_PATH}`);
  });

  it('is not written without one: the scheduler keeps its flags alone', () => {
    const written = files();
    expect(written.has(SCHEDULER_CONFIG_PATH)).toBe(false);
    expect(commandOf(written.get('/etc/kubernetes/manifests/kube-scheduler.yaml')).some((f) => f.startsWith('--config'))).toBe(false);
  });

  it('changes the control plane\'s configuration hash, and no other group\'s, when it changes', () => {
    const before = configs();
    const after = configs({ additionalObjects: [SCHEDULER] });
    const changed = configs({ additionalObjects: [{ ...SCHEDULER, percentageOfNodesToScore: 50 }] });
    for (const [ig, file] of before) {
      const role = file.config.role;
      if (role === 'ControlPlane') {
        expect(after.get(ig)?.hash).not.toBe(file.hash);
        expect(changed.get(ig)?.hash).not.toBe(after.get(ig)?.hash);
      } else {
        expect(after.get(ig)?.hash, ig).toBe(file.hash);
      }
    }
  });

  it('shows in the plan as a change of the control plane\'s machines alone', () => {
    const tasksOf = (extra: Extra) => {
      const spec = completed(extra);
      const built = buildNodeupConfigs(spec, { stateStore: 'file:///state', assets: [] });
      return new Map(buildLocalTasks(spec, testBoot({ stateStore: 'file:///state', configHash: nodeConfigHashes(spec, built) }, NAME)).map((t) => [`${t.kind}/${t.name}`, JSON.stringify(t.desired)]));
    };
    const before = tasksOf({});
    const after = tasksOf({ additionalObjects: [SCHEDULER] });
    const changed = [...after].filter(([id, desired]) => before.get(id) !== desired).map(([id]) => id);
    // A new template version: rolling-update finds the control plane's machines out of date.
    expect(changed).toEqual([`InstanceTemplate/control-plane-local-a.${NAME}`]);
  });

  it('merges mappings field by field and replaces lists', () => {
    const merged = schedulerConfiguration({ leaderElection: { leaseDuration: '30s' }, profiles: [{ schedulerName: 'a' }] }, '/k.conf');
    expect(merged['leaderElection']).toEqual({ leaderElect: true, leaseDuration: '30s' });
    expect(merged['profiles']).toEqual([{ schedulerName: 'a' }]);
    expect(schedulerConfiguration({ apiVersion: 'x', kind: 'y', clientConnection: { kubeconfig: '/other' } }, '/k.conf')).toMatchObject({ apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', clientConnection: { kubeconfig: '/k.conf' } });
  });
});

describe('the controller manager\'s settings from the spec', () => {
  it('passes kops\'s concurrent syncs of autoscalers and jobs as its flags, and none when unset', () => {
    const made = newClusterSpec({ name: 'syncs.example.com', cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const flags = (kubeControllerManager: Cluster['spec']['kubeControllerManager']) => {
      const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...(kubeControllerManager ? { kubeControllerManager } : {}) } };
      const [, file] = controlPlaneOf(buildNodeupConfigs(completeSpec(cluster, made.instanceGroups), { stateStore: 'file:///state', assets: [] }));
      const model = buildNodeModel({ config: file.config, node: { instanceId: 'i-1', address: '10.0.0.2', nodeName: 'i-1' }, pki: PKI });
      const manifest = String(model.tasks.find((t) => t.name === '/etc/kubernetes/manifests/kube-controller-manager.yaml')?.desired['content'] ?? '');
      return commandOf(manifest).filter((f) => f.startsWith('--concurrent-'));
    };
    expect(flags({ concurrentHorizontalPodAustoscalerSyncs: 10, concurrentJobSyncs: 7 })).toEqual(['--concurrent-horizontal-pod-autoscaler-syncs=10', '--concurrent-job-syncs=7']);
    expect(flags(undefined)).toEqual([]);
  });
});

describe('an IPv6 cluster\'s control plane (nonMasqueradeCIDR ::/0)', () => {
  it('gets kops\'s flags: the kubelet --node-ip=::, services in the IPv6 range, no node CIDRs from the controller manager', () => {
    const made = newClusterSpec({ name: 'v6.example.com', cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const spec = made.cluster.spec;
    const v6: Cluster = { ...made.cluster, spec: { ...spec, nonMasqueradeCIDR: '::/0', networking: { cilium: {} }, subnets: spec.subnets.map((s, i) => ({ ...s, ipv6CIDR: `/64#${i}` })) } };
    const [, file] = controlPlaneOf(buildNodeupConfigs(completeSpec(v6, made.instanceGroups), { stateStore: 'file:///state', assets: [] }));
    const model = buildNodeModel({ config: file.config, node: { instanceId: 'i-1', address: '10.0.0.2', nodeName: 'i-1' }, pki: PKI });
    const content = (name: string) => String(model.tasks.find((t) => t.name === name)?.desired['content'] ?? '');
    const kubelet = String(model.tasks.find((t) => t.kind === 'Service' && t.name === 'kubelet.service')?.desired['unit'] ?? '');
    expect(kubelet).toContain('--node-ip=:: ');
    expect(commandOf(content('/etc/kubernetes/manifests/kube-apiserver.yaml'))).toContain('--service-cluster-ip-range=fd00:5e4f:ce::/108');
    const cm = commandOf(content('/etc/kubernetes/manifests/kube-controller-manager.yaml'));
    expect(cm).toContain('--allocate-node-cidrs=false');
    expect(cm.filter((f) => f.startsWith('--cluster-cidr'))).toEqual([]);
    expect(file.config.kubeProxy.clusterCIDR).toBe('::/0');
  });
});
