/**
 * spec.kubeDNS, kops's CoreDNS and NodeLocal DNSCache settings: refused with its path, value and
 * a fix where kops (or hoist) refuses it (the KubeDNS provider, serverIP outside the service
 * range, a domain other than clusterDNSDomain, nameservers that are not addresses, a local
 * address inside the cluster's ranges); defaulted in one place without changing the completed
 * spec; the kubelets' clusterDNS (nodeup.yaml and the kubelet's configuration file) becomes the
 * local address with nodeLocalDNS, changing every group's hash; kept by the kops import, which
 * drops kube-dns's own settings with their reasons. Pure.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { completeSpec, parseSpecSet } from '../../src/api/index.js';
import type { ClusterSpec } from '../../src/api/index.js';
import { kubeDNSSettings, kubeletClusterDNS } from '../../src/api/kube-dns.js';
import { buildNodeupConfigs } from '../../cloudup/nodeup/build.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { buildNodeModel } from '../../nodeup/model/index.js';
import { KUBELET_CONFIG } from '../../nodeup/model/kubelet.js';
import type { NodePki } from '../../nodeup/pki/material.js';
import { withDnsZone } from '../support/kops-zone.js';
import { cluster, groups, validate } from './fixtures.js';

type KubeDNS = NonNullable<ClusterSpec['kubeDNS']>;
const problemsOf = (kubeDNS: KubeDNS, extra: Partial<ClusterSpec> = {}) => validate(cluster({ ...extra, kubeDNS }), groups());
const completed = (kubeDNS?: KubeDNS, extra: Partial<ClusterSpec> = {}) => completeSpec(cluster({ ...extra, ...(kubeDNS === undefined ? {} : { kubeDNS }) }), groups());

describe('spec.kubeDNS: validation', () => {
  it('accepts kops\'s usual settings', () => {
    expect(problemsOf({ provider: 'CoreDNS', nodeLocalDNS: { enabled: true } })).toEqual([]);
    expect(problemsOf({
      serverIP: '100.64.0.53',
      domain: 'cluster.local',
      upstreamNameservers: ['1.1.1.1', '2606:4700:4700::1111'],
      stubDomains: { 'corp.example': ['10.0.0.53', '10.0.1.53'] },
      cpuRequest: '200m', memoryRequest: '100Mi', memoryLimit: '256Mi',
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'dns', effect: 'NoSchedule' }],
      nodeLocalDNS: { enabled: true, localIP: '169.254.20.11', forwardToKubeDNS: true, cpuRequest: '50m', memoryRequest: '10Mi' },
    })).toEqual([]);
    expect(problemsOf({ domain: 'k8s.internal' }, { clusterDNSDomain: 'k8s.internal' })).toEqual([]);
  });

  it.each<[string, KubeDNS, Partial<ClusterSpec>, string, unknown, string, string]>([
    ['the KubeDNS provider', { provider: 'KubeDNS' }, {}, 'spec.kubeDNS.provider', 'KubeDNS', 'hoist runs CoreDNS only', 'use CoreDNS'],
    ['a serverIP outside the service range', { serverIP: '10.0.0.10' }, {}, 'spec.kubeDNS.serverIP', '10.0.0.10', 'is outside serviceClusterIPRange (100.64.0.0/13)', 'e.g. 100.64.0.10'],
    ['a serverIP outside a range set by hand', { serverIP: '100.64.0.10' }, { serviceClusterIPRange: '100.72.0.0/13' }, 'spec.kubeDNS.serverIP', '100.64.0.10', 'is outside serviceClusterIPRange (100.72.0.0/13)', 'e.g. 100.72.0.10'],
    ['the kubernetes Service\'s address', { serverIP: '100.64.0.1' }, {}, 'spec.kubeDNS.serverIP', '100.64.0.1', 'the kubernetes Service\'s address', 'e.g. 100.64.0.10'],
    ['a serverIP that is no address', { serverIP: 'dns.local' }, {}, 'spec.kubeDNS.serverIP', 'dns.local', 'is not an IP address', 'e.g. 100.64.0.10'],
    ['a domain other than the default cluster domain', { domain: 'k8s.internal' }, {}, 'spec.kubeDNS.domain', 'k8s.internal', 'differs from the cluster domain, cluster.local', 'set spec.clusterDNSDomain: k8s.internal'],
    ['a domain other than clusterDNSDomain', { domain: 'cluster.local' }, { clusterDNSDomain: 'k8s.internal' }, 'spec.kubeDNS.domain', 'cluster.local', 'differs from spec.clusterDNSDomain (k8s.internal)', 'use k8s.internal'],
    ['a nameserver by name', { upstreamNameservers: ['1.1.1.1', 'dns.google'] }, {}, 'spec.kubeDNS.upstreamNameservers[1]', 'dns.google', 'is not an IP address', 'e.g. 1.1.1.1'],
    ['a stub zone without nameservers', { stubDomains: { 'corp.example': [] } }, {}, 'spec.kubeDNS.stubDomains["corp.example"]', [], 'names no nameserver', '10.0.0.53'],
    ['a stub zone\'s nameserver by name', { stubDomains: { 'corp.example': ['ns1.corp.example'] } }, {}, 'spec.kubeDNS.stubDomains["corp.example"][0]', 'ns1.corp.example', 'is not an IP address', 'e.g. 10.0.0.53'],
    ['a stub zone that is no DNS name', { stubDomains: { 'corp example': ['10.0.0.53'] } }, {}, 'spec.kubeDNS.stubDomains["corp example"]', 'corp example', 'is not a DNS zone', 'corp.example'],
    ['upstreamNameservers beside externalCoreFile', { externalCoreFile: '.:53 {\n    forward . 8.8.8.8\n}\n', upstreamNameservers: ['1.1.1.1'] }, {}, 'spec.kubeDNS.upstreamNameservers', ['1.1.1.1'], 'is not read when externalCoreFile is set', 'write it into externalCoreFile'],
    ['an empty externalCoreFile', { externalCoreFile: ' ' }, {}, 'spec.kubeDNS.externalCoreFile', ' ', 'is empty', 'write a whole Corefile'],
    ['a local address inside the service range', { nodeLocalDNS: { enabled: true, localIP: '100.64.0.10' } }, {}, 'spec.kubeDNS.nodeLocalDNS.localIP', '100.64.0.10', 'is inside serviceClusterIPRange', '169.254.20.10'],
    ['a local address inside the network', { nodeLocalDNS: { enabled: true, localIP: '172.20.0.10' } }, {}, 'spec.kubeDNS.nodeLocalDNS.localIP', '172.20.0.10', 'is inside networkCIDR (172.20.0.0/16)', '169.254.20.10'],
    ['a local address of the other family', { nodeLocalDNS: { enabled: true, localIP: 'fd00:90de:d95::1' } }, {}, 'spec.kubeDNS.nodeLocalDNS.localIP', 'fd00:90de:d95::1', 'is an IPv6 address in an IPv4 cluster', '169.254.20.10'],
    ['a local address that is no address', { nodeLocalDNS: { enabled: true, localIP: '169.254.20' } }, {}, 'spec.kubeDNS.nodeLocalDNS.localIP', '169.254.20', 'is not an IP address', '169.254.20.10'],
  ])('refuses %s at its path, with the value and a fix', (_what, kubeDNS, extra, path, value, message, fix) => {
    const problems = problemsOf(kubeDNS, extra);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path, value });
    expect(problems[0]!.message).toContain(message);
    expect(problems[0]!.fix).toContain(fix);
  });

  it('refuses a provider and a quantity the schema does not know, at their paths', () => {
    const text = (kubeDNS: string) => `apiVersion: hoist.dev/v1alpha1\nkind: Cluster\nmetadata: {name: demo.example.com}\nspec: {cloudProvider: local, kubernetesVersion: 1.34.0, subnets: [{name: a, zone: local-a, type: Public}], kubeDNS: ${kubeDNS}}\n`;
    expect(() => parseSpecSet(text('{provider: Unbound}'), 'cluster.yaml', SPEC_RULES)).toThrow(/spec\.kubeDNS\.provider/);
    expect(() => parseSpecSet(text('{nodeLocalDNS: {cpuRequest: lots}}'), 'cluster.yaml', SPEC_RULES)).toThrow(/spec\.kubeDNS\.nodeLocalDNS\.cpuRequest/);
    expect(() => parseSpecSet(text('{cacheMaxSize: 1000}'), 'cluster.yaml', SPEC_RULES)).toThrow(/spec\.kubeDNS/);
  });
});

describe('spec.kubeDNS: defaults', () => {
  it('are kops\'s, resolved in one place, and the completed spec stays as written', () => {
    expect(completed().cluster.spec).not.toHaveProperty('kubeDNS');
    expect(kubeDNSSettings(completed().cluster.spec)).toEqual({
      serverIP: '100.64.0.10', domain: 'cluster.local', upstreamNameservers: [], stubDomains: {},
      cpuRequest: '100m', memoryRequest: '70Mi', memoryLimit: '170Mi', tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
    });
    expect(kubeDNSSettings(completed({ nodeLocalDNS: { enabled: true } }).cluster.spec).nodeLocalDNS).toEqual({
      localIP: '169.254.20.10', forwardToKubeDNS: false, cpuRequest: '25m', memoryRequest: '5Mi', image: 'registry.k8s.io/dns/k8s-dns-node-cache:1.22.20', podAnnotations: {},
    });
    expect(kubeDNSSettings(completed({ nodeLocalDNS: { enabled: false, localIP: '169.254.20.11' } }).cluster.spec).nodeLocalDNS).toBeUndefined();
    expect(kubeDNSSettings(completed(undefined, { serviceClusterIPRange: '10.96.0.0/12' }).cluster.spec).serverIP).toBe('10.96.0.10');
  });

  it('give an IPv6 cluster kops\'s IPv6 local address', () => {
    const spec = { nonMasqueradeCIDR: '::/0', serviceClusterIPRange: 'fd00:5e4f:ce::/108', kubeDNS: { nodeLocalDNS: { enabled: true } } } as const;
    expect(kubeDNSSettings(spec).nodeLocalDNS?.localIP).toBe('fd00:90de:d95::1');
    expect(kubeletClusterDNS({ ...spec, kubeDNS: {} })).toBe('fd00:5e4f:ce::a');
  });
});

describe('spec.kubeDNS: the kubelets\' clusterDNS', () => {
  const PKI: NodePki = {
    trusted: () => ({ bundle: '', primaryFingerprint: 'sha256:0', certificates: [] }),
    keypair: () => ({ privateKey: '', fingerprint: 'sha256:0' }),
    token: () => ({ token: '', fingerprint: 'sha256:0' }),
    secret: () => ({ content: '', sha256: '' }),
    issue: () => Promise.reject(new Error('not issued in a pure test')),
  };
  const configs = (kubeDNS?: KubeDNS) => buildNodeupConfigs(completed(kubeDNS), { stateStore: 'file:///state', assets: [] });
  const kubeletFile = (file: ReturnType<typeof configs> extends Map<string, infer F> ? F : never) => {
    const model = buildNodeModel({ config: file.config, node: { instanceId: 'i-1', address: '172.20.32.5', nodeName: 'i-1' }, pki: PKI });
    return parse(String(model.tasks.find((t) => t.name === KUBELET_CONFIG)?.desired['content'] ?? '')) as { clusterDNS: string[] };
  };

  it('is CoreDNS\'s address, serverIP when set, and node-local-dns\'s local address when it runs, in every group\'s nodeup.yaml and kubelet configuration', () => {
    const plain = configs();
    for (const [ig, file] of plain) {
      expect(file.config.kubelet?.clusterDNS, ig).toBe('100.64.0.10');
      expect(kubeletFile(file).clusterDNS, ig).toEqual(['100.64.0.10']);
    }
    for (const file of configs({ serverIP: '100.64.0.53' }).values()) expect(file.config.kubelet?.clusterDNS).toBe('100.64.0.53');
    const local = configs({ nodeLocalDNS: { enabled: true } });
    for (const [ig, file] of local) {
      expect(file.config.kubelet?.clusterDNS, ig).toBe('169.254.20.10');
      expect(kubeletFile(file).clusterDNS, ig).toEqual(['169.254.20.10']);
      // Every machine rolls to take the new address.
      expect(file.hash, ig).not.toBe(plain.get(ig)?.hash);
    }
    for (const file of configs({ nodeLocalDNS: { enabled: true, localIP: '169.254.0.53' } }).values()) expect(file.config.kubelet?.clusterDNS).toBe('169.254.0.53');
  });

  it('leaves every group\'s nodeup.yaml as it was for settings the machines do not read, and for kops\'s defaults written out', () => {
    const plain = configs();
    for (const kubeDNS of [{}, { provider: 'CoreDNS' as const, serverIP: '100.64.0.10', domain: 'cluster.local' }, { upstreamNameservers: ['1.1.1.1'], memoryLimit: '256Mi', nodeLocalDNS: { enabled: false } }]) {
      for (const [ig, file] of configs(kubeDNS)) expect(file.hash, `${JSON.stringify(kubeDNS)} ${ig}`).toBe(plain.get(ig)?.hash);
    }
  });
});

describe('spec.kubeDNS: kops import', () => {
  const kops = readFileSync(join(import.meta.dirname, '../fixtures/kops-specs/minimal-aws.yaml'), 'utf8');
  const withKubeDNS = (block: string) => withDnsZone(kops.replace(/^spec:\n/m, `spec:\n${block}`));

  it('keeps kops\'s kubeDNS, and the result validates and reaches the kubelets', () => {
    const block = '  kubeDNS:\n    provider: CoreDNS\n    serverIP: 100.64.0.10\n    domain: cluster.local\n    upstreamNameservers: [1.1.1.1]\n    stubDomains:\n      corp.example: [10.0.0.53]\n    memoryLimit: 256Mi\n    nodeLocalDNS:\n      enabled: true\n      forwardToKubeDNS: true\n';
    const set = parseSpecSet(withKubeDNS(block), 'minimal-aws.yaml', SPEC_RULES);
    expect(set.cluster.spec.kubeDNS).toEqual({
      provider: 'CoreDNS', serverIP: '100.64.0.10', domain: 'cluster.local', upstreamNameservers: ['1.1.1.1'], stubDomains: { 'corp.example': ['10.0.0.53'] }, memoryLimit: '256Mi',
      nodeLocalDNS: { enabled: true, forwardToKubeDNS: true },
    });
    const report = set.documents.find((d) => d.converted !== undefined)?.converted;
    expect(report?.dropped.filter((d) => d.path.startsWith('spec.kubeDNS'))).toEqual([]);
    const spec = completeSpec(set.cluster, set.instanceGroups);
    expect(validate(spec.cluster, spec.instanceGroups)).toEqual([]);
    expect(kubeletClusterDNS(spec.cluster.spec)).toBe('169.254.20.10');
  });

  it('drops kube-dns\'s and the autoscaler\'s settings and node-local-dns\'s own Corefile, each with its reason', () => {
    const block = '  kubeDNS:\n    provider: CoreDNS\n    cacheMaxSize: 1000\n    coreDNSImage: registry.k8s.io/coredns/coredns:v1.11.1\n    cpaImage: registry.k8s.io/cpa/cluster-proportional-autoscaler:1.8.5\n    replicas: 3\n    nodeLocalDNS:\n      enabled: true\n      additionalConfig: "example.org:53 {}"\n';
    const set = parseSpecSet(withKubeDNS(block), 'minimal-aws.yaml', SPEC_RULES);
    const dropped = set.documents.find((d) => d.converted !== undefined)?.converted?.dropped.filter((d) => d.path.startsWith('spec.kubeDNS')) ?? [];
    expect(Object.fromEntries(dropped.map((d) => [d.path, d.reason]))).toEqual({
      'spec.kubeDNS.cacheMaxSize': expect.stringContaining('dnsmasq'),
      'spec.kubeDNS.coreDNSImage': expect.stringContaining('pins CoreDNS\'s image'),
      'spec.kubeDNS.cpaImage': expect.stringContaining('cluster-proportional-autoscaler'),
      'spec.kubeDNS.replicas': expect.stringContaining('hoist runs two'),
      'spec.kubeDNS.nodeLocalDNS.additionalConfig': expect.stringContaining('runs the one hoist writes'),
    });
    expect(set.cluster.spec.kubeDNS).toEqual({ provider: 'CoreDNS', nodeLocalDNS: { enabled: true } });
  });

  it('refuses kops\'s KubeDNS provider at its path and line in the kops file, with the reason and a fix', () => {
    expect(() => parseSpecSet(withKubeDNS('  kubeDNS:\n    provider: KubeDNS\n'), 'minimal-aws.yaml', SPEC_RULES))
      .toThrow(/spec\.kubeDNS\.provider \(line \d+, column \d+\): "KubeDNS" is not supported: hoist runs CoreDNS only.*\(use CoreDNS, or leave provider out\)/);
  });
});
