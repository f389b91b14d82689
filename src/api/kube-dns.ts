/**
 * What `spec.kubeDNS` means once defaulted (kops's defaults, in this one place), and its rules.
 * Resolved where it is used (the kubelets' clusterDNS in nodeup.yaml, the CoreDNS and
 * node-local-dns addons), not written into the completed spec, so that clusters which do not set
 * it keep their configuration's hash.
 */

import type { FieldProblem } from '../errors.js';
import { cidrContains, cidrOf, formatCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import { clusterDNSDomain } from './defaults.js';
import { isIpv6Cluster } from './ipv6.js';
import { isDnsSubdomain } from './names.js';
import { formatPath } from './paths.js';
import type { PathSegment } from './paths.js';
import type { ClusterSpec } from './schema.js';

/** The node-cache release kops pins. */
export const NODE_LOCAL_DNS_DEFAULT_IMAGE = 'registry.k8s.io/dns/k8s-dns-node-cache:1.22.20';
export const NODE_LOCAL_DNS_DEFAULT_IP = '169.254.20.10';
export const NODE_LOCAL_DNS_DEFAULT_IPV6 = 'fd00:90de:d95::1';
/** kube-dns sits at the 10th address of the service range, as in kops. */
const SERVER_IP_OFFSET = 10n;
/** The `kubernetes` Service's address: the 1st of the range. */
const API_SERVICE_OFFSET = 1n;

type Toleration = NonNullable<NonNullable<ClusterSpec['kubeDNS']>['tolerations']>[number];

export interface NodeLocalDNSSettings {
  readonly localIP: string;
  readonly forwardToKubeDNS: boolean;
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly image: string;
  readonly podAnnotations: Readonly<Record<string, string>>;
}

export interface KubeDNSSettings {
  /** The kube-dns Service's address: CoreDNS's. */
  readonly serverIP: string;
  readonly domain: string;
  /** Empty: the node's /etc/resolv.conf. */
  readonly upstreamNameservers: readonly string[];
  readonly stubDomains: Readonly<Record<string, readonly string[]>>;
  readonly externalCoreFile?: string;
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
  readonly tolerations: readonly Toleration[];
  /** Undefined when NodeLocal DNSCache is off. */
  readonly nodeLocalDNS?: NodeLocalDNSSettings;
}

type DnsSpec = Pick<ClusterSpec, 'kubeDNS' | 'serviceClusterIPRange' | 'clusterDNSDomain' | 'nonMasqueradeCIDR'>;

/** The address `offset` places into `range`; '' when the range is not a CIDR (validation says why). */
export function addressInRange(range: string | undefined, offset: bigint): string {
  const c = cidrOf(range);
  if (c === undefined) return '';
  return formatCidr({ family: c.family, base: c.base + offset, prefix: c.family === 4 ? 32 : 128 }).replace(/\/\d+$/, '');
}

/** The spec's kubeDNS with kops's defaults; `spec` is completed (serviceClusterIPRange set). */
export function kubeDNSSettings(spec: DnsSpec): KubeDNSSettings {
  const k = spec.kubeDNS ?? {};
  const n = k.nodeLocalDNS;
  return {
    serverIP: k.serverIP ?? addressInRange(spec.serviceClusterIPRange, SERVER_IP_OFFSET),
    domain: clusterDNSDomain(spec),
    upstreamNameservers: k.upstreamNameservers ?? [],
    stubDomains: k.stubDomains ?? {},
    ...(k.externalCoreFile === undefined ? {} : { externalCoreFile: k.externalCoreFile }),
    cpuRequest: k.cpuRequest ?? '100m',
    memoryRequest: k.memoryRequest ?? '70Mi',
    memoryLimit: k.memoryLimit ?? '170Mi',
    tolerations: k.tolerations ?? [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
    ...(n?.enabled === true
      ? {
          nodeLocalDNS: {
            localIP: n.localIP ?? (isIpv6Cluster(spec) ? NODE_LOCAL_DNS_DEFAULT_IPV6 : NODE_LOCAL_DNS_DEFAULT_IP),
            forwardToKubeDNS: n.forwardToKubeDNS ?? false,
            cpuRequest: n.cpuRequest ?? '25m',
            memoryRequest: n.memoryRequest ?? '5Mi',
            image: n.image ?? NODE_LOCAL_DNS_DEFAULT_IMAGE,
            podAnnotations: n.podAnnotations ?? {},
          },
        }
      : {}),
  };
}

/** What every kubelet's clusterDNS names: node-local-dns's address when it runs, else CoreDNS's, as in kops. */
export function kubeletClusterDNS(spec: DnsSpec): string {
  const s = kubeDNSSettings(spec);
  return s.nodeLocalDNS?.localIP ?? s.serverIP;
}

/** An IP address (either family), as a one-address range; undefined when it is not one. */
export function addressOf(text: string): Cidr | undefined {
  return cidrOf(`${text}/${text.includes(':') ? 128 : 32}`);
}

const at = (...path: PathSegment[]): string => formatPath(['spec', 'kubeDNS', ...path]);

const KUBE_DNS = 'hoist runs CoreDNS only, not kube-dns (dnsmasq); CoreDNS answers at the same kube-dns Service and reads the same settings (serverIP, upstreamNameservers, stubDomains)';

/** `spec` is completed: serviceClusterIPRange, podCIDR and networkCIDR are set where they validate. */
export function kubeDNSProblems(spec: DnsSpec & Pick<ClusterSpec, 'podCIDR' | 'networkCIDR' | 'additionalNetworkCIDRs'>): FieldProblem[] {
  const k = spec.kubeDNS;
  if (k === undefined) return [];
  const problems: FieldProblem[] = [];
  const ip = (path: PathSegment[], value: string, example: string): Cidr | undefined => {
    const a = addressOf(value);
    if (a === undefined) problems.push({ path: at(...path), value, message: 'is not an IP address', fix: `e.g. ${example}` });
    return a;
  };
  if (k.provider === 'KubeDNS') problems.push({ path: at('provider'), value: k.provider, message: `is not supported: ${KUBE_DNS}`, fix: 'use CoreDNS, or leave provider out' });
  const range = cidrOf(spec.serviceClusterIPRange);
  const defaultIP = addressInRange(spec.serviceClusterIPRange, SERVER_IP_OFFSET);
  if (k.serverIP !== undefined) {
    const a = ip(['serverIP'], k.serverIP, defaultIP || '100.64.0.10');
    if (a !== undefined && range !== undefined) {
      const offset = a.base - range.base;
      if (!cidrContains(range, a)) {
        problems.push({ path: at('serverIP'), value: k.serverIP, message: `is outside serviceClusterIPRange (${spec.serviceClusterIPRange ?? ''}): the kube-dns Service takes an address of the service range`, fix: `use an address inside it, e.g. ${defaultIP}, or leave serverIP out` });
      } else if (offset === 0n || offset === API_SERVICE_OFFSET) {
        problems.push({ path: at('serverIP'), value: k.serverIP, message: offset === 0n ? 'is the service range\'s network address, which no Service takes' : 'is the kubernetes Service\'s address (the first of the service range)', fix: `e.g. ${defaultIP}, or leave serverIP out` });
      }
    }
  }
  const domain = clusterDNSDomain(spec);
  if (k.domain !== undefined && k.domain.replace(/\.$/, '') !== domain) {
    const set = spec.clusterDNSDomain !== undefined;
    problems.push({
      path: at('domain'),
      value: k.domain,
      message: `differs from ${set ? `spec.clusterDNSDomain (${domain})` : `the cluster domain, ${domain} (spec.clusterDNSDomain is unset)`}: the kubelets give pods the cluster domain, so CoreDNS must serve it`,
      fix: set ? `use ${domain}, or leave kubeDNS.domain out` : `set spec.clusterDNSDomain: ${k.domain.replace(/\.$/, '')} and leave kubeDNS.domain out`,
    });
  }
  for (const [i, server] of (k.upstreamNameservers ?? []).entries()) ip(['upstreamNameservers', i], server, '1.1.1.1');
  for (const [zone, servers] of Object.entries(k.stubDomains ?? {})) {
    const plain = zone.replace(/\.$/, '');
    if (!isDnsSubdomain(plain.toLowerCase(), 253)) problems.push({ path: at('stubDomains', zone), value: zone, message: 'is not a DNS zone', fix: 'name a zone such as corp.example' });
    if (servers.length === 0) problems.push({ path: at('stubDomains', zone), value: servers, message: 'names no nameserver', fix: 'list the IP addresses that answer the zone, e.g. [10.0.0.53]' });
    for (const [i, server] of servers.entries()) ip(['stubDomains', zone, i], server, '10.0.0.53');
  }
  if (k.externalCoreFile !== undefined) {
    if (k.externalCoreFile.trim() === '') problems.push({ path: at('externalCoreFile'), value: k.externalCoreFile, message: 'is empty', fix: 'write a whole Corefile, or leave externalCoreFile out for hoist\'s' });
    for (const field of ['upstreamNameservers', 'stubDomains'] as const) {
      if (k[field] !== undefined) problems.push({ path: at(field), value: k[field], message: 'is not read when externalCoreFile is set: that Corefile is used as written', fix: `write it into externalCoreFile, or leave ${field} out` });
    }
  }
  problems.push(...nodeLocalDNSProblems(spec, range));
  return problems;
}

function nodeLocalDNSProblems(spec: DnsSpec & Pick<ClusterSpec, 'podCIDR' | 'networkCIDR' | 'additionalNetworkCIDRs'>, services: Cidr | undefined): FieldProblem[] {
  const n = spec.kubeDNS?.nodeLocalDNS;
  if (n?.localIP === undefined) return [];
  const path = at('nodeLocalDNS', 'localIP');
  const fallback = isIpv6Cluster(spec) ? NODE_LOCAL_DNS_DEFAULT_IPV6 : NODE_LOCAL_DNS_DEFAULT_IP;
  const a = addressOf(n.localIP);
  if (a === undefined) return [{ path, value: n.localIP, message: 'is not an IP address', fix: `e.g. ${fallback}` }];
  if (services !== undefined && services.family !== a.family) {
    return [{ path, value: n.localIP, message: `is an IPv${a.family} address in an IPv${services.family} cluster: the pods could not reach it`, fix: `e.g. ${fallback}` }];
  }
  const ranges: [string, string | undefined][] = [
    ['serviceClusterIPRange', spec.serviceClusterIPRange],
    ['podCIDR', spec.podCIDR],
    ['networkCIDR', spec.networkCIDR],
    ...(spec.additionalNetworkCIDRs ?? []).map((c): [string, string] => ['additionalNetworkCIDRs', c]),
  ];
  for (const [name, text] of ranges) {
    const c = cidrOf(text);
    if (c !== undefined && cidrContains(c, a)) {
      return [{ path, value: n.localIP, message: `is inside ${name} (${text ?? ''}): node-local-dns would take an address a machine, pod or service may have`, fix: `use a link-local address such as ${fallback}` }];
    }
  }
  return [];
}
