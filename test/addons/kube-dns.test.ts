/**
 * The coredns and node-local-dns addons as rendered from spec.kubeDNS: the Corefile (upstreams,
 * stub zones, externalCoreFile), CoreDNS's Service address, resources and tolerations, and
 * node-local-dns (its DaemonSet, ConfigMap and kube-dns-upstream Service) present only when
 * enabled, with its local address, forwarding, resources and image (through the asset mirror).
 * A spec without kubeDNS renders CoreDNS exactly as before. No cloud.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, CompletedSpec } from '../../src/api/index.js';
import { addonContext, builtinAddons, renderBuiltin } from '../../cloudup/addons/render.js';
import { addonImages } from '../../cloudup/addons/images.js';
import { corednsAddon } from '../../cloudup/addons/templates/coredns.js';
import type { CloudAddons, KubeObject } from '../../cloudup/addons/types.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

type KubeDNS = NonNullable<ClusterSpec['kubeDNS']>;
type Container = { image: string; args: string[]; resources: unknown; livenessProbe: { httpGet: { host: string; port: number } } };
type Pod = { hostNetwork?: boolean; tolerations: unknown[]; containers: Container[] };

const NO_CLOUD: CloudAddons = { addons: () => [] };

function spec(kubeDNS: KubeDNS | undefined, extra: Partial<ClusterSpec> = {}): CompletedSpec {
  const made = newClusterSpec({ name: 'dns.k8s.local', cloud: 'local', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...extra, ...(kubeDNS === undefined ? {} : { kubeDNS }) } };
  return completeSpec(cluster, made.instanceGroups);
}

const addons = (c: CompletedSpec) => builtinAddons(c, NO_CLOUD);
const addon = (c: CompletedSpec, name: string) => addons(c).find((a) => a.name === name);
const object = (c: CompletedSpec, name: string, kind: string, objectName: string): KubeObject | undefined => addon(c, name)?.objects.find((o) => o.kind === kind && o.metadata.name === objectName);
const dataOf = (o: KubeObject | undefined) => (o?.['data'] ?? {}) as Record<string, string>;
const corefile = (c: CompletedSpec) => dataOf(object(c, 'coredns', 'ConfigMap', 'coredns'))['Corefile'] ?? '';
const localCorefile = (c: CompletedSpec) => dataOf(object(c, 'node-local-dns', 'ConfigMap', 'node-local-dns'))['Corefile'] ?? '';
const podOf = (o: KubeObject | undefined) => (o?.['spec'] as { template: { metadata: { annotations?: Record<string, string> }; spec: Pod } }).template;

describe('the coredns addon and spec.kubeDNS', () => {
  it('renders exactly as before without kubeDNS, and for kops\'s defaults written out', () => {
    const plain = renderBuiltin(addon(spec(undefined), 'coredns')!);
    expect(plain.manifest).toContain('forward . /etc/resolv.conf {');
    expect(plain.manifest).toContain('clusterIP: 100.64.0.10');
    expect(plain.manifest).toContain('- key: CriticalAddonsOnly');
    for (const kubeDNS of [{}, { provider: 'CoreDNS' as const, serverIP: '100.64.0.10', domain: 'cluster.local', cpuRequest: '100m', memoryRequest: '70Mi', memoryLimit: '170Mi' }]) {
      expect(renderBuiltin(addon(spec(kubeDNS), 'coredns')!).entry.sha256).toBe(plain.entry.sha256);
    }
  });

  it('forwards names outside the cluster to upstreamNameservers, and each stub zone to its own nameservers', () => {
    const text = corefile(spec({ upstreamNameservers: ['1.1.1.1', '8.8.8.8'], stubDomains: { 'corp.example': ['10.0.0.53', '10.0.1.53'], 'lab.example.': ['10.9.0.53'] } }));
    expect(text).toContain('    forward . 1.1.1.1 8.8.8.8 {\n        max_concurrent 1000\n    }');
    expect(text).not.toContain('/etc/resolv.conf');
    expect(text).toContain('corp.example:53 {\n    errors\n    cache 30\n    loop\n    forward . 10.0.0.53 10.0.1.53\n}\n');
    expect(text).toContain('lab.example:53 {');
    expect(text).toContain('    kubernetes cluster.local in-addr.arpa ip6.arpa {');
  });

  it('uses externalCoreFile as written, in place of the whole Corefile', () => {
    const external = '.:53 {\n    errors\n    forward . 9.9.9.9\n}';
    expect(corefile(spec({ externalCoreFile: external }))).toBe(`${external}\n`);
  });

  it('puts the kube-dns Service at serverIP, and the pods\' resources and tolerations where kubeDNS says', () => {
    const c = spec({ serverIP: '100.64.0.53', cpuRequest: '200m', memoryRequest: '100Mi', memoryLimit: '256Mi', tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'dns', effect: 'NoSchedule' }] });
    expect((object(c, 'coredns', 'Service', 'kube-dns')!['spec'] as { clusterIP: string }).clusterIP).toBe('100.64.0.53');
    expect(addonContext(c).clusterDNS).toBe('100.64.0.53');
    const pod = podOf(object(c, 'coredns', 'Deployment', 'coredns')).spec;
    expect(pod.containers[0]!.resources).toEqual({ limits: { memory: '256Mi' }, requests: { cpu: '200m', memory: '100Mi' } });
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'dns', effect: 'NoSchedule' }]);
  });

  it('keeps the kube-dns Service at CoreDNS\'s address when node-local-dns runs', () => {
    const c = spec({ nodeLocalDNS: { enabled: true } });
    expect((object(c, 'coredns', 'Service', 'kube-dns')!['spec'] as { clusterIP: string }).clusterIP).toBe('100.64.0.10');
    expect(corednsAddon(addonContext(c)).objects).toEqual(corednsAddon(addonContext(spec(undefined))).objects);
  });
});

describe('the node-local-dns addon', () => {
  it('is rendered right after coredns when nodeLocalDNS.enabled is true, and not otherwise', () => {
    const names = (kubeDNS: KubeDNS | undefined) => addons(spec(kubeDNS)).map((a) => a.name);
    expect(names({ nodeLocalDNS: { enabled: true } })).toEqual(['core', 'flannel', 'coredns', 'node-local-dns']);
    expect(names(undefined)).toEqual(['core', 'flannel', 'coredns']);
    expect(names({ nodeLocalDNS: { enabled: false } })).not.toContain('node-local-dns');
    expect(names({ nodeLocalDNS: { localIP: '169.254.20.11' } })).not.toContain('node-local-dns');
  });

  it('holds its ServiceAccount, the kube-dns-upstream Service in front of CoreDNS\'s pods, its ConfigMap and the DaemonSet, whose health is checked', () => {
    const a = addon(spec({ nodeLocalDNS: { enabled: true } }), 'node-local-dns')!;
    expect(a.version).toBe('1.22.20');
    expect(a.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ServiceAccount/node-local-dns', 'Service/kube-dns-upstream', 'ConfigMap/node-local-dns', 'DaemonSet/node-local-dns']);
    const upstream = a.objects[1]!['spec'] as { selector: Record<string, string>; clusterIP?: string; ports: { port: number; protocol: string }[] };
    expect(upstream.selector).toEqual({ 'k8s-app': 'kube-dns' });
    expect(upstream.clusterIP).toBeUndefined();
    expect(upstream.ports.map((p) => `${p.port}/${p.protocol}`)).toEqual(['53/UDP', '53/TCP']);
    expect(a.health).toEqual([{ kind: 'DaemonSet', namespace: 'kube-system', name: 'node-local-dns' }]);
  });

  it('runs node-cache on the host network of every node at the local address, with its requests and image', () => {
    const c = spec({ nodeLocalDNS: { enabled: true, localIP: '169.254.0.53', cpuRequest: '50m', memoryRequest: '10Mi', podAnnotations: { team: 'dns' } } });
    const template = podOf(object(c, 'node-local-dns', 'DaemonSet', 'node-local-dns'));
    const pod = template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.tolerations).toContainEqual({ operator: 'Exists', effect: 'NoSchedule' });
    expect(pod.tolerations).toContainEqual({ operator: 'Exists', effect: 'NoExecute' });
    const container = pod.containers[0]!;
    expect(container.image).toBe('registry.k8s.io/dns/k8s-dns-node-cache:1.22.20');
    expect(container.args).toEqual(['-localip=169.254.0.53', '-conf=/etc/Corefile', '-upstreamsvc=kube-dns-upstream']);
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '10Mi' } });
    expect(container.livenessProbe.httpGet.host).toBe('169.254.0.53');
    expect(template.metadata.annotations).toMatchObject({ team: 'dns', 'prometheus.io/port': '9253' });
  });

  it('answers the cluster domain and reverse zones from CoreDNS, and the rest from the node\'s nameservers unless forwardToKubeDNS', () => {
    const plain = localCorefile(spec({ nodeLocalDNS: { enabled: true } }, { clusterDNSDomain: 'k8s.internal' }));
    expect(plain).toMatch(/^k8s\.internal:53 \{\n/);
    expect(plain).toContain('    bind 169.254.20.10\n    forward . __PILLAR__CLUSTER__DNS__ {\n        force_tcp\n    }');
    expect(plain).toContain('in-addr.arpa:53 {');
    expect(plain).toContain('ip6.arpa:53 {');
    expect(plain).toContain('.:53 {\n    errors\n    cache 30\n    reload\n    loop\n    bind 169.254.20.10\n    forward . __PILLAR__UPSTREAM__SERVERS__\n');
    expect(plain).toContain('    health 169.254.20.10:3989');
    const forwarded = localCorefile(spec({ nodeLocalDNS: { enabled: true, forwardToKubeDNS: true } }));
    expect(forwarded).not.toContain('__PILLAR__UPSTREAM__SERVERS__');
    expect(forwarded.match(/forward \. __PILLAR__CLUSTER__DNS__ \{/g)).toHaveLength(4);
    // Under IPVS, straight to kube-dns's address, as kops.
    const ipvs = localCorefile(spec({ serverIP: '100.64.0.53', nodeLocalDNS: { enabled: true } }, { kubeProxy: { proxyMode: 'ipvs' } }));
    expect(ipvs).toContain('forward . 100.64.0.53 {');
    expect(ipvs).not.toContain('__PILLAR__CLUSTER__DNS__');
  });

  it('takes nodeLocalDNS.image, names it through the asset mirror, lists it in the assets, and changes its hash with each setting', async () => {
    const custom = spec({ nodeLocalDNS: { enabled: true, image: 'registry.k8s.io/dns/k8s-dns-node-cache:1.23.1' } }, { assets: { containerRegistry: 'mirror.example.com' } });
    expect(addon(custom, 'node-local-dns')!.version).toBe('1.23.1');
    expect(podOf(object(custom, 'node-local-dns', 'DaemonSet', 'node-local-dns')).spec.containers[0]!.image).toBe('mirror.example.com/dns/k8s-dns-node-cache:1.23.1');
    const images = await addonImages(spec({ nodeLocalDNS: { enabled: true } }));
    expect(images.find((i) => i.addons.includes('node-local-dns'))).toMatchObject({ reference: 'registry.k8s.io/dns/k8s-dns-node-cache:1.22.20', repository: 'dns/k8s-dns-node-cache', tag: '1.22.20' });
    const sha = (n: NonNullable<KubeDNS['nodeLocalDNS']>) => renderBuiltin(addon(spec({ nodeLocalDNS: { enabled: true, ...n } }), 'node-local-dns')!).entry.sha256;
    const hashes = [sha({}), sha({ localIP: '169.254.0.53' }), sha({ forwardToKubeDNS: true }), sha({ cpuRequest: '50m' }), sha({ memoryRequest: '10Mi' }), sha({ podAnnotations: { a: 'b' } })];
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});
