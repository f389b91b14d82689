/**
 * The addon set rendered from a spec: which addons each cloud and networking choice gives, the
 * labels on every object, the health checks, CoreDNS at the kubelets' cluster DNS address, the
 * image mirror, and the refusals (a cloud's own network plugin elsewhere, the autoscaler where
 * the cloud has no driver). Pure: no store, no cloud.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { completeSpec, newClusterSpec, parseSpecText } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, CompletedSpec, NewClusterOptions } from '../../src/api/index.js';
import { ValidationError } from '../../src/errors.js';
import { ADDON_NAME_LABEL, ADDON_VERSION_LABEL } from '../../nodeup/addons/channel.js';
import { builtinAddons, renderBuiltin } from '../../cloudup/addons/render.js';
import type { KubeObject } from '../../cloudup/addons/types.js';
import { kubeletSettings } from '../../cloudup/nodeup/components.js';
import { cloudAddonsOf, SPEC_RULES } from '../../cloudup/providers.js';
import type { CloudAddons } from '../../cloudup/addons/types.js';

const BASE: Record<string, NewClusterOptions> = {
  local: { name: 'addons.k8s.local', cloud: 'local' },
  aws: { name: 'addons.example.com', cloud: 'aws', zones: ['us-east-1a'] },
  gce: { name: 'addons.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'hoist-test' },
};

function spec(cloud: keyof typeof BASE, extra: Partial<{ -readonly [K in keyof ClusterSpec]: ClusterSpec[K] }> = {}): CompletedSpec {
  const made = newClusterSpec({ ...BASE[cloud]!, kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...extra } };
  return completeSpec(cluster, made.instanceGroups);
}

const CLOUD_ADDONS = new Map<string, CloudAddons>();
beforeAll(async () => {
  for (const cloud of ['local', 'aws', 'gce'] as const) CLOUD_ADDONS.set(cloud, await cloudAddonsOf(cloud));
});
const addonsOf = (c: CompletedSpec) => builtinAddons(c, CLOUD_ADDONS.get(c.cluster.spec.cloudProvider)!);
const names = (c: CompletedSpec) => addonsOf(c).map((a) => a.name);
const objectsOf = (manifest: string): KubeObject[] => parseAllDocuments(manifest).map((d) => d.toJS() as KubeObject);

describe('the addon set', () => {
  it('is core, flannel and CoreDNS on a new local cluster, whose networking defaults to flannel', () => {
    const c = spec('local');
    expect(c.cluster.spec.networking).toEqual({ flannel: {} });
    expect(names(c)).toEqual(['core', 'flannel', 'coredns']);
  });

  it('adds the cloud controller and CSI driver on aws and gce, and the cloud\'s own network plugin', () => {
    expect(names(spec('aws'))).toEqual(['core', 'flannel', 'coredns', 'aws-cloud-controller-manager', 'aws-ebs-csi-driver']);
    expect(names(spec('gce'))).toEqual(['core', 'flannel', 'coredns', 'gcp-cloud-controller-manager', 'gcp-pd-csi-driver']);
    expect(names(spec('aws', { networking: { amazonvpc: {} } }))).toEqual(['core', 'amazon-vpc-cni', 'coredns', 'aws-cloud-controller-manager', 'aws-ebs-csi-driver']);
  });

  it('follows spec.cloudConfig: a CSI driver switched off is not installed, and manageStorageClasses false leaves out the default StorageClass', () => {
    const storageClasses = (c: CompletedSpec) => addonsOf(c).flatMap((a) => a.objects.filter((o) => o.kind === 'StorageClass').map((o) => o.metadata.name));
    expect(storageClasses(spec('aws'))).toEqual(['gp3']);
    expect(storageClasses(spec('gce'))).toEqual(['balanced-csi']);
    expect(names(spec('aws', { cloudConfig: { awsEBSCSIDriver: { enabled: false } } }))).toEqual(['core', 'flannel', 'coredns', 'aws-cloud-controller-manager']);
    expect(names(spec('gce', { cloudConfig: { gcpPDCSIDriver: { enabled: false } } }))).toEqual(['core', 'flannel', 'coredns', 'gcp-cloud-controller-manager']);
    for (const cloud of ['aws', 'gce'] as const) {
      const off = spec(cloud, { cloudConfig: { manageStorageClasses: false } });
      expect(names(off)).toEqual(names(spec(cloud)));
      expect(storageClasses(off)).toEqual([]);
      expect(addonsOf(off).flatMap((a) => a.objects.filter((o) => o.kind === 'CSIDriver'))).toHaveLength(1);
    }
  });

  it('follows spec.networking: each plugin by name, none for cni and kubenet', () => {
    expect(names(spec('local', { networking: { kindnet: {} } }))).toEqual(['core', 'kindnet', 'coredns']);
    expect(names(spec('local', { networking: { cilium: {} } }))).toEqual(['core', 'cilium', 'coredns']);
    expect(names(spec('local', { networking: { calico: { version: 'v3.28.2' } } }))).toEqual(['core', 'calico', 'coredns']);
    expect(addonsOf(spec('local', { networking: { calico: { version: 'v3.28.2' } } }))[1]?.version).toBe('3.28.2');
    expect(names(spec('local', { networking: { cni: {} } }))).toEqual(['core', 'coredns']);
    expect(names(spec('local', { networking: { kubenet: {} } }))).toEqual(['core', 'coredns']);
  });

  it('refuses amazonvpc off aws, naming the field and the choices', () => {
    const render = () => addonsOf(spec('local', { networking: { amazonvpc: {} } }));
    expect(render).toThrow(ValidationError);
    expect(render).toThrow(/spec\.networking\.amazonvpc: \{\} is not available on cloud local \(use one of kindnet, flannel, cilium, calico, cni, kubenet\)/);
  });

  it('adds the optional addons the spec enables, cluster-autoscaler with each node group\'s bounds', () => {
    const c = spec('aws', { metricsServer: { enabled: true }, clusterAutoscaler: { enabled: true, expander: 'least-waste' }, nodeProblemDetector: { enabled: true } });
    expect(names(c).slice(5)).toEqual(['metrics-server', 'cluster-autoscaler', 'node-problem-detector']);
    const autoscaler = addonsOf(c).find((a) => a.name === 'cluster-autoscaler')!;
    const args = JSON.stringify(autoscaler.objects.find((o) => o.kind === 'Deployment'));
    const nodes = c.instanceGroups.filter((ig) => ig.spec.role === 'Node');
    expect(nodes.length).toBeGreaterThan(0);
    for (const ig of nodes) expect(args).toContain(`--nodes=${ig.spec.minSize}:${ig.spec.maxSize}:${ig.metadata.name}.addons.example.com`);
    expect(args).toContain('--expander=least-waste');
    expect(names(spec('aws', { metricsServer: { enabled: false } }))).not.toContain('metrics-server');
  });

  it('refuses cluster-autoscaler on a cloud without its driver', () => {
    expect(() => addonsOf(spec('local', { clusterAutoscaler: { enabled: true } }))).toThrow(/spec\.clusterAutoscaler\.enabled: true is not supported on cloud local/);
  });

  it('drives GCE\'s zonal managed instance groups with the gce provider, each with its zone\'s share of the bounds', () => {
    const made = newClusterSpec({ ...BASE['gce']!, zones: ['us-central1-a', 'us-central1-b'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const node = made.instanceGroups.find((ig) => ig.spec.role === 'Node')!;
    const nodes = { ...node, metadata: { ...node.metadata, name: 'nodes' }, spec: { ...node.spec, minSize: 3, maxSize: 7, zones: ['us-central1-a', 'us-central1-b'] } };
    const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, clusterAutoscaler: { enabled: true } } };
    const c = completeSpec(cluster, [...made.instanceGroups.filter((ig) => ig.spec.role !== 'Node'), nodes]);
    const deployment = addonsOf(c).find((a) => a.name === 'cluster-autoscaler')!.objects.find((o) => o.kind === 'Deployment')!;
    const args = (deployment['spec'] as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0]!.args;
    const groups = 'https://www.googleapis.com/compute/v1/projects/hoist-test/zones';
    expect(args.filter((a) => a.startsWith('--cloud-provider=') || a.startsWith('--nodes='))).toEqual([
      '--cloud-provider=gce',
      `--nodes=2:4:${groups}/us-central1-a/instanceGroups/a-nodes-addons-example-com`,
      `--nodes=1:3:${groups}/us-central1-b/instanceGroups/b-nodes-addons-example-com`,
    ]);
  });

  it('serves CoreDNS at the address the kubelets are given as clusterDNS', () => {
    for (const cloud of ['local', 'aws', 'gce'] as const) {
      const c = spec(cloud);
      const kubelet = kubeletSettings(c, c.instanceGroups[0]!);
      const service = addonsOf(c).find((a) => a.name === 'coredns')!.objects.find((o) => o.kind === 'Service')!;
      expect((service['spec'] as { clusterIP: string }).clusterIP).toBe(kubelet.clusterDNS);
      expect(kubelet.clusterDNS).toMatch(/\.10$/);
    }
  });

  it('labels every object with its addon\'s name and version, and declares its workloads as health checks', () => {
    const c = spec('aws', { metricsServer: { enabled: true }, nodeProblemDetector: { enabled: true } });
    for (const addon of addonsOf(c)) {
      const rendered = renderBuiltin(addon);
      const objects = objectsOf(rendered.manifest);
      expect(objects.length).toBe(addon.objects.length);
      for (const o of objects) expect(o.metadata.labels).toMatchObject({ [ADDON_NAME_LABEL]: addon.name, [ADDON_VERSION_LABEL]: addon.version });
      const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet').map((o) => ({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name }));
      expect(rendered.entry.health).toEqual(workloads);
      expect(rendered.entry).toMatchObject({ name: addon.name, version: addon.version, source: 'builtin' });
      expect(rendered.entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const health = Object.fromEntries(addonsOf(c).map((a) => [a.name, renderBuiltin(a).entry.health.map((h) => `${h.kind}/${h.name}`)]));
    expect(health).toMatchObject({
      core: [],
      flannel: ['DaemonSet/kube-flannel-ds'],
      coredns: ['Deployment/coredns'],
      'aws-cloud-controller-manager': ['DaemonSet/aws-cloud-controller-manager'],
      'aws-ebs-csi-driver': ['Deployment/ebs-csi-controller', 'DaemonSet/ebs-csi-node'],
      'metrics-server': ['Deployment/metrics-server'],
      'node-problem-detector': ['DaemonSet/node-problem-detector'],
    });
  });

  it('renders the same manifest for the same spec, and pins every image by version', () => {
    const c = spec('aws', { metricsServer: { enabled: true }, clusterAutoscaler: { enabled: true }, nodeProblemDetector: { enabled: true } });
    const first = addonsOf(c).map(renderBuiltin);
    expect(addonsOf(c).map(renderBuiltin)).toEqual(first);
    const images = first.flatMap((r) => [...r.manifest.matchAll(/image: (\S+)/g)].map((m) => m[1]!));
    expect(images.length).toBeGreaterThan(10);
    for (const image of images) expect(image, image).toMatch(/:v?[0-9][^:@\s]*(@sha256:[0-9a-f]{64})?$/);
    expect(images).toContain('registry.k8s.io/coredns/coredns:v1.12.0');
  });

  it('pulls every image from spec.assets.containerRegistry when it names a mirror', () => {
    const c = spec('aws', { assets: { containerRegistry: 'mirror.example.com:5000/k8s/' } });
    const images = addonsOf(c).map(renderBuiltin).flatMap((r) => [...r.manifest.matchAll(/image: (\S+)/g)].map((m) => m[1]!));
    for (const image of images) expect(image).toMatch(/^mirror\.example\.com:5000\/k8s\//);
    expect(images).toContain('mirror.example.com:5000/k8s/coredns/coredns:v1.12.0');
    expect(images).toContain('mirror.example.com:5000/k8s/flannel-io/flannel:v0.27.4');
  });

  it('carries kops\'s networking and optional addon fields on import, and reports what it drops', () => {
    const kops = [
      'apiVersion: kops.k8s.io/v1alpha2',
      'kind: Cluster',
      'metadata:',
      '  name: imported.k8s.local',
      'spec:',
      '  cloudProvider: aws',
      '  kubernetesVersion: 1.34.0',
      '  subnets:',
      '    - name: us-east-1a',
      '      zone: us-east-1a',
      '      type: Public',
      '  networking:',
      '    flannel:',
      '      backend: vxlan',
      '  metricsServer:',
      '    enabled: true',
      '    image: registry.example.com/metrics-server:v0.7.0',
      '  clusterAutoscaler:',
      '    enabled: true',
      '    expander: least-waste',
      '    cpuRequest: 100m',
      '  nodeProblemDetector:',
      '    enabled: true',
      '  addons:',
      '    - manifest: s3://bucket/addons/monitoring.yaml',
      '',
    ].join('\n');
    const [doc] = parseSpecText(kops, 'kops.yaml', SPEC_RULES);
    const spec = (doc!.object as Cluster).spec;
    expect(spec.networking).toEqual({ flannel: { backend: 'vxlan' } });
    expect(spec.metricsServer).toEqual({ enabled: true });
    expect(spec.clusterAutoscaler).toEqual({ enabled: true, expander: 'least-waste' });
    expect(spec.nodeProblemDetector).toEqual({ enabled: true });
    expect(spec.addons).toEqual([{ manifest: 's3://bucket/addons/monitoring.yaml' }]);
    expect(doc!.converted?.dropped.map((d) => d.path)).toEqual(expect.arrayContaining(['spec.metricsServer.image', 'spec.clusterAutoscaler.cpuRequest']));
    const kindnet = parseSpecText(kops.replace('    flannel:\n      backend: vxlan', '    kindnet: {}'), 'kops.yaml', SPEC_RULES)[0]!;
    expect((kindnet.object as Cluster).spec.networking).toEqual({ kindnet: {} });
  });
});

describe('an IPv6 cluster\'s network addons (nonMasqueradeCIDR ::/0), as kops runs them', () => {
  const ipv6 = (networking: ClusterSpec['networking']) => spec('aws', { nonMasqueradeCIDR: '::/0', networking, subnets: spec('aws').cluster.spec.subnets.map((s, i) => ({ ...s, ipv6CIDR: `/64#${i}` })) });
  const objectOf = (c: CompletedSpec, addon: string, kind: string, name: string): KubeObject => {
    const found = objectsOf(renderBuiltin(addonsOf(c).find((a) => a.name === addon)!).manifest).find((o) => o.kind === kind && o.metadata.name === name);
    expect(found, `${addon}: ${kind}/${name}`).toBeDefined();
    return found!;
  };
  type Container = { name: string; args?: string[]; env?: { name: string; value?: string }[]; readinessProbe?: { exec: { command: string[] } } };
  const containerOf = (o: KubeObject) => (o as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0]!;
  const envOf = (o: KubeObject) => Object.fromEntries((containerOf(o).env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));

  it('runs the AWS cloud controller without node ranges of its own (--allocate-node-cidrs=false, no --cluster-cidr); an IPv4 cluster\'s keeps its flags', () => {
    const v6 = containerOf(objectOf(ipv6({ cilium: {} }), 'aws-cloud-controller-manager', 'DaemonSet', 'aws-cloud-controller-manager')).args!;
    expect(v6).toContain('--allocate-node-cidrs=false');
    expect(v6.filter((a) => a.startsWith('--cluster-cidr'))).toEqual([]);
    const v4 = containerOf(objectOf(spec('aws', { networking: { cilium: {} } }), 'aws-cloud-controller-manager', 'DaemonSet', 'aws-cloud-controller-manager')).args!;
    expect(v4).toEqual(['--v=2', '--cloud-provider=aws', '--cluster-name=addons.example.com', '--configure-cloud-routes=false', '--use-service-account-credentials=true']);
  });

  it('gives cilium IPv6 on, IPv4 off, the node\'s pod range, native routing, no masquerading and its health on ::1; IPv4 stays tunnelled', () => {
    const data = (c: CompletedSpec) => (objectOf(c, 'cilium', 'ConfigMap', 'cilium-config') as unknown as { data: Record<string, string> }).data;
    const v6 = data(ipv6({ cilium: {} }));
    expect(v6).toMatchObject({ ipam: 'kubernetes', 'enable-ipv6': 'true', 'enable-ipv4': 'false', 'routing-mode': 'native', 'enable-ipv4-masquerade': 'false', 'enable-ipv6-masquerade': 'false', 'enable-bpf-masquerade': 'false', 'auto-direct-node-routes': 'false' });
    expect(v6['tunnel-protocol']).toBeUndefined();
    expect(v6['cluster-pool-ipv4-cidr']).toBeUndefined();
    const v4 = data(spec('aws', { networking: { cilium: {} } }));
    expect(v4).toMatchObject({ ipam: 'kubernetes', 'enable-ipv6': 'false', 'enable-ipv4': 'true', 'routing-mode': 'tunnel', 'tunnel-protocol': 'vxlan', 'cluster-pool-ipv4-cidr': '100.96.0.0/11' });
    expect(v4['enable-ipv6-masquerade']).toBeUndefined();
    type Probe = { readinessProbe: { httpGet: { host: string } } };
    const probeHost = (c: CompletedSpec) => (containerOf(objectOf(c, 'cilium', 'DaemonSet', 'cilium')) as unknown as Probe).readinessProbe.httpGet.host;
    expect(probeHost(ipv6({ cilium: {} }))).toBe('::1');
    expect(probeHost(spec('aws', { networking: { cilium: {} } }))).toBe('127.0.0.1');
  });

  it('gives calico host-local IPv6 addresses of the node\'s pod range, no BGP, no pools and no IPv4; IPv4 keeps BGP and its pool', () => {
    const cniOf = (c: CompletedSpec) => JSON.parse((objectOf(c, 'calico', 'ConfigMap', 'calico-config') as unknown as { data: { cni_network_config: string } }).data.cni_network_config) as { plugins: { ipam?: unknown }[] };
    const node = (c: CompletedSpec) => objectOf(c, 'calico', 'DaemonSet', 'calico-node');
    const v6 = ipv6({ calico: {} });
    expect(cniOf(v6).plugins[0]!.ipam).toEqual({ type: 'host-local', assign_ipv4: 'false', assign_ipv6: 'true', ranges: [[{ subnet: 'usePodCidrIPv6' }]] });
    expect(envOf(node(v6))).toMatchObject({ CALICO_NETWORKING_BACKEND: 'none', IP: 'none', IP6: 'autodetect', USE_POD_CIDR: 'true', NO_DEFAULT_POOLS: 'true', FELIX_IPV6SUPPORT: 'true', CALICO_ROUTER_ID: 'hash' });
    expect(Object.keys(envOf(node(v6))).filter((k) => k.startsWith('CALICO_IPV4POOL'))).toEqual([]);
    expect(containerOf(node(v6)).readinessProbe!.exec.command).toEqual(['/bin/calico-node', '-felix-ready']);
    const v4 = spec('aws', { networking: { calico: {} } });
    expect(cniOf(v4).plugins[0]!.ipam).toEqual({ type: 'host-local', subnet: 'usePodCidr' });
    expect(envOf(node(v4))).toMatchObject({ CALICO_NETWORKING_BACKEND: 'bird', IP: 'autodetect', CALICO_IPV4POOL_IPIP: 'CrossSubnet', CALICO_IPV4POOL_CIDR: '100.96.0.0/11' });
    expect(envOf(node(v4)).IP6).toBeUndefined();
    expect(containerOf(node(v4)).readinessProbe!.exec.command).toEqual(['/bin/calico-node', '-felix-ready', '-bird-ready']);
  });
});
