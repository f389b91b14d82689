/**
 * spec.egressProxy once defaulted: `excludes` completed with the cluster's own addresses (as
 * kops completes it), the environment the machines get from it, and the rules the schema cannot
 * say. The one place the no_proxy list is made: nodeup.yaml and the boot script both read
 * `egressProxySettings` of the completed spec.
 */

import ipaddr from 'ipaddr.js';
import type { FieldProblem } from '../errors.js';
import { cidrOf, formatCidr } from './cidr.js';
import { isDnsSubdomain } from './names.js';
import { formatPath } from './paths.js';
import type { ClusterSpec } from './schema.js';

/**
 * The instance metadata service, never through a proxy: its address (AWS, GCE) and the name GCE's
 * boot script and client libraries reach it by. Both on every cloud: a name no one resolves is harmless.
 */
const METADATA = ['169.254.169.254', 'metadata.google.internal'];

export type EgressProxy = NonNullable<ClusterSpec['egressProxy']>;

/** What completeSpec knows when it completes egressProxy. */
export interface EgressProxyContext {
  readonly clusterName: string;
  /** The DNS domain of services and pods (spec.clusterDNSDomain, defaulted). */
  readonly clusterDNSDomain: string;
  readonly publicName: string;
  readonly networkCIDR: string;
  readonly additionalNetworkCIDRs?: readonly string[];
  readonly nonMasqueradeCIDR: string;
  readonly serviceClusterIPRange?: string;
  readonly podCIDR?: string;
}

/** The entries of a comma list, as written (no trimming: a space is refused by the rules below). */
export const excludeEntries = (excludes: string | undefined): string[] => (excludes === undefined || excludes === '' ? [] : excludes.split(','));

/**
 * The proxy with `excludes` completed: the user's entries first, then those the cluster needs
 * reached directly, each once. Idempotent: completing a completed value changes nothing.
 */
export function completeEgressProxy(proxy: EgressProxy, c: EgressProxyContext): EgressProxy {
  const ranges = [c.serviceClusterIPRange, c.podCIDR, c.nonMasqueradeCIDR, c.networkCIDR, ...(c.additionalNetworkCIDRs ?? [])];
  const own = [
    '127.0.0.1',
    'localhost',
    c.clusterDNSDomain,
    c.publicName,
    // A suffix match: every name of the cluster (api.internal.<name>, etcd's peer names).
    c.clusterName,
    // The `kubernetes` service's address, for clients that read no CIDR in no_proxy.
    firstAddress(c.serviceClusterIPRange),
    ...ranges.filter((r) => r !== undefined && !isEverything(r)),
    ...METADATA,
  ];
  const entries = [...excludeEntries(proxy.excludes), ...own].filter((e): e is string => e !== undefined && e !== '');
  return { ...proxy, excludes: [...new Set(entries)].join(',') };
}

/** `::/0` (an IPv6 cluster's nonMasqueradeCIDR) or `0.0.0.0/0` in no_proxy would send nothing through the proxy. */
function isEverything(range: string): boolean {
  return cidrOf(range)?.prefix === 0;
}

function firstAddress(range: string | undefined): string | undefined {
  const c = cidrOf(range);
  if (c === undefined) return undefined;
  return formatCidr({ family: c.family, base: c.base + 1n, prefix: c.family === 4 ? 32 : 128 }).replace(/\/\d+$/, '');
}

export interface EgressProxySettings {
  /** `http://host:port`, for http_proxy and https_proxy. */
  readonly url: string;
  /** The completed excludes: no_proxy. */
  readonly noProxy: string;
}

/**
 * The proxy of a completed spec, or undefined without one. `apiHost`: the name machines reach
 * the API at when it is not one of the cluster's own (a load balancer's name, with
 * topology.dns.type None), known only once the load balancer is; added to no_proxy.
 */
export function egressProxySettings(spec: Pick<ClusterSpec, 'egressProxy'>, apiHost?: string): EgressProxySettings | undefined {
  const p = spec.egressProxy;
  if (p === undefined) return undefined;
  const host = ipaddr.IPv6.isValid(p.httpProxy.host) ? `[${p.httpProxy.host}]` : p.httpProxy.host;
  const entries = excludeEntries(p.excludes);
  const noProxy = apiHost === undefined || apiHost === '' || entries.includes(apiHost) ? entries : [...entries, apiHost];
  return { url: `http://${host}:${p.httpProxy.port}`, noProxy: noProxy.join(',') };
}

/** The environment of a process that should use the proxy, in both cases as tools differ in which they read. */
export function proxyEnvironment(settings: EgressProxySettings): Record<string, string> {
  return {
    http_proxy: settings.url,
    https_proxy: settings.url,
    no_proxy: settings.noProxy,
    HTTP_PROXY: settings.url,
    HTTPS_PROXY: settings.url,
    NO_PROXY: settings.noProxy,
  };
}

const at = (...path: string[]): string => formatPath(['spec', 'egressProxy', ...path]);
// A name, a .suffix, an IPv4/IPv6 address or CIDR, or "*": what no_proxy readers (curl, Go, apt) agree on.
const EXCLUDE = /^(\*|\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+(\/\d{1,3})?)$/;

/** The rules of spec.egressProxy the schema cannot say: the host is a bare name or address, excludes a clean comma list. */
export function egressProxyProblems(spec: Pick<ClusterSpec, 'egressProxy'>): FieldProblem[] {
  const p = spec.egressProxy;
  if (p === undefined) return [];
  const problems: FieldProblem[] = [];
  const host = p.httpProxy.host;
  const isIp = ipaddr.IPv4.isValidFourPartDecimal(host) || (ipaddr.IPv6.isValid(host) && !host.includes('%'));
  if (!isIp && !isDnsSubdomain(host.toLowerCase(), 253)) {
    const bare = /^[a-z]+:\/\/([^/:]+)/i.exec(host)?.[1] ?? host.split(':')[0];
    const hint = bare !== undefined && bare !== host && isDnsSubdomain(bare.toLowerCase(), 253) ? `host: ${bare}, with the port in spec.egressProxy.httpProxy.port` : 'a DNS name or IP address such as proxy.corp.example';
    problems.push({ path: at('httpProxy', 'host'), value: host, message: 'is not a DNS name or IP address (no scheme, port or path)', fix: hint });
  }
  const excludes = p.excludes;
  if (excludes !== undefined) {
    const entries = excludeEntries(excludes);
    const bad = entries.map((e, i) => ({ e, i })).filter(({ e }) => !EXCLUDE.test(e));
    if (bad.length > 0) {
      const first = bad[0]!;
      const what = first.e === '' ? `entry ${first.i + 1} is empty` : `entry ${JSON.stringify(first.e)} is not a name, address or CIDR`;
      problems.push({ path: at('excludes'), value: excludes, message: `is not a comma list: ${what}${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}`, fix: 'names, addresses or CIDRs separated by commas, without spaces, e.g. corp.example,10.10.0.0/16' });
    }
  }
  return problems;
}
