/**
 * The aws-node-termination-handler addon (spec.nodeTerminationHandler, IMDS mode) as rendered from
 * a spec: its objects and RBAC, the DaemonSet on every Linux node with the host's network, each
 * field in the handler's environment or resources, the pinned image through the asset mirror, and
 * the manifest's hash following every field. No cloud.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, CompletedSpec } from '../../src/api/index.js';
import { builtinAddons, renderBuiltin } from '../../cloudup/addons/render.js';
import { addonImages } from '../../cloudup/addons/images.js';
import type { CloudAddons, KubeObject } from '../../cloudup/addons/types.js';
import { cloudAddonsOf, SPEC_RULES } from '../../cloudup/providers.js';

type Handler = NonNullable<ClusterSpec['nodeTerminationHandler']>;
type Container = { image: string; env: { name: string; value?: string }[]; resources: unknown; ports: { name: string; containerPort: number }[]; livenessProbe: unknown; securityContext: Record<string, unknown> };

function spec(handler: Handler | undefined, extra: Partial<ClusterSpec> = {}): CompletedSpec {
  const made = newClusterSpec({ name: 'nth.example.com', cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...extra, ...(handler === undefined ? {} : { nodeTerminationHandler: handler }) } };
  return completeSpec(cluster, made.instanceGroups);
}

let aws: CloudAddons;
beforeAll(async () => {
  aws = await cloudAddonsOf('aws');
});
const addon = (c: CompletedSpec) => builtinAddons(c, aws).find((a) => a.name === 'aws-node-termination-handler');
const daemonSetOf = (c: CompletedSpec) => addon(c)!.objects.find((o) => o.kind === 'DaemonSet')!;
const podOf = (o: KubeObject) => (o['spec'] as { template: { spec: Record<string, unknown> & { containers: Container[] } } }).template.spec;
const envOf = (c: CompletedSpec) => Object.fromEntries(podOf(daemonSetOf(c)).containers[0]!.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
const sha = (c: CompletedSpec) => renderBuiltin(addon(c)!).entry.sha256;

describe('the aws-node-termination-handler addon', () => {
  it('is installed once spec.nodeTerminationHandler is written, after the cloud\'s addons, and not without it or with enabled: false', () => {
    const names = (c: CompletedSpec) => builtinAddons(c, aws).map((a) => a.name);
    expect(names(spec({}))).toEqual(['core', 'flannel', 'coredns', 'aws-cloud-controller-manager', 'aws-ebs-csi-driver', 'aws-node-termination-handler']);
    expect(names(spec({ enabled: true }))).toContain('aws-node-termination-handler');
    expect(names(spec(undefined))).not.toContain('aws-node-termination-handler');
    expect(names(spec({ enabled: false, taintNode: true }))).not.toContain('aws-node-termination-handler');
  });

  it('has the RBAC a drain needs and a DaemonSet on every Linux node with the host\'s network, the pinned image and kops\'s defaults', () => {
    const a = addon(spec({}))!;
    expect(a.version).toBe('1.22.0');
    expect(a.health).toEqual([{ kind: 'DaemonSet', namespace: 'kube-system', name: 'aws-node-termination-handler' }]);
    expect(a.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ServiceAccount/aws-node-termination-handler', 'ClusterRole/aws-node-termination-handler', 'ClusterRoleBinding/aws-node-termination-handler', 'DaemonSet/aws-node-termination-handler']);
    expect(a.objects.find((o) => o.kind === 'ClusterRole')!['rules']).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'patch', 'update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'get'] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
      { apiGroups: ['extensions'], resources: ['daemonsets'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ]);
    expect(a.objects.find((o) => o.kind === 'ClusterRoleBinding')).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'aws-node-termination-handler' }, subjects: [{ kind: 'ServiceAccount', name: 'aws-node-termination-handler', namespace: 'kube-system' }] });
    const pod = podOf(daemonSetOf(spec({})));
    expect(pod).toMatchObject({ serviceAccountName: 'aws-node-termination-handler', hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet', priorityClassName: 'system-node-critical', nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ operator: 'Exists' }] });
    const c = pod.containers[0]!;
    expect(c.image).toBe('public.ecr.aws/aws-ec2/aws-node-termination-handler:v1.22.0');
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' } });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 5 });
    expect(c.ports.map((p) => p.name)).toEqual(['liveness-probe']);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(envOf(spec({}))).toMatchObject({
      ENABLE_SPOT_INTERRUPTION_DRAINING: 'true',
      ENABLE_SCHEDULED_EVENT_DRAINING: 'true',
      ENABLE_REBALANCE_MONITORING: 'false',
      ENABLE_REBALANCE_DRAINING: 'false',
      ENABLE_PROMETHEUS_SERVER: 'false',
      EXCLUDE_FROM_LOAD_BALANCERS: 'true',
      POD_TERMINATION_GRACE_PERIOD: '-1',
      TAINT_NODE: 'false',
      ENABLE_SQS_TERMINATION_DRAINING: 'false',
      ENABLE_PROBES_SERVER: 'true',
      UPTIME_FROM_FILE: '/proc/uptime',
    });
  });

  it('carries each field into the handler\'s environment, ports, resources or image, and each change changes the manifest\'s hash', () => {
    const base = sha(spec({}));
    const cases: [Handler, (c: CompletedSpec) => unknown, unknown][] = [
      [{ enableSpotInterruptionDraining: false }, (c) => envOf(c)['ENABLE_SPOT_INTERRUPTION_DRAINING'], 'false'],
      [{ enableScheduledEventDraining: false }, (c) => envOf(c)['ENABLE_SCHEDULED_EVENT_DRAINING'], 'false'],
      [{ enableRebalanceMonitoring: true }, (c) => envOf(c)['ENABLE_REBALANCE_MONITORING'], 'true'],
      [{ enableRebalanceDraining: true }, (c) => envOf(c)['ENABLE_REBALANCE_DRAINING'], 'true'],
      [{ excludeFromLoadBalancers: false }, (c) => envOf(c)['EXCLUDE_FROM_LOAD_BALANCERS'], 'false'],
      [{ podTerminationGracePeriod: 90 }, (c) => envOf(c)['POD_TERMINATION_GRACE_PERIOD'], '90'],
      [{ taintNode: true }, (c) => envOf(c)['TAINT_NODE'], 'true'],
      [{ prometheusEnable: true }, (c) => [envOf(c)['ENABLE_PROMETHEUS_SERVER'], podOf(daemonSetOf(c)).containers[0]!.ports.find((p) => p.name === 'http-metrics')?.containerPort], ['true', 9092]],
      [{ cpuRequest: '100m' }, (c) => podOf(daemonSetOf(c)).containers[0]!.resources, { requests: { cpu: '100m', memory: '64Mi' } }],
      [{ memoryRequest: '128Mi' }, (c) => podOf(daemonSetOf(c)).containers[0]!.resources, { requests: { cpu: '50m', memory: '128Mi' } }],
      [{ version: 'v1.25.0' }, (c) => [podOf(daemonSetOf(c)).containers[0]!.image, addon(c)!.version], ['public.ecr.aws/aws-ec2/aws-node-termination-handler:v1.25.0', '1.25.0']],
    ];
    for (const [handler, read, want] of cases) {
      const c = spec(handler);
      expect(read(c), JSON.stringify(handler)).toEqual(want);
      expect(sha(c), JSON.stringify(handler)).not.toBe(base);
    }
    // Written defaults are the defaults: the same manifest.
    expect(sha(spec({ enabled: true, enableSpotInterruptionDraining: true, enableScheduledEventDraining: true, excludeFromLoadBalancers: true, podTerminationGracePeriod: -1, cpuRequest: '50m', memoryRequest: '64Mi', version: 'v1.22.0' }))).toBe(base);
  });

  it('pulls its image through spec.assets.containerRegistry, and lists it among the cluster\'s images', async () => {
    const mirrored = spec({}, { assets: { containerRegistry: 'mirror.example.com' } });
    expect(podOf(daemonSetOf(mirrored)).containers[0]!.image).toBe('mirror.example.com/aws-ec2/aws-node-termination-handler:v1.22.0');
    const images = await addonImages(spec({}));
    expect(images.map((i) => i.reference)).toContain('public.ecr.aws/aws-ec2/aws-node-termination-handler:v1.22.0');
  });
});
