/**
 * spec.egressProxy in the API: the schema and rules refuse a bad proxy with the field path, the
 * value and a fix; completion adds the cluster's own addresses to excludes once, after the
 * user's, and completing again changes nothing.
 */

import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { completeSpec, parseSpecSet } from '../../src/api/index.js';
import type { ClusterSpec } from '../../src/api/index.js';
import { completeEgressProxy, egressProxySettings } from '../../src/api/egress-proxy.js';
import { formatProblem, ValidationError } from '../../src/errors.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { withDnsZone } from '../support/kops-zone.js';
import { cluster, groups, validate } from './fixtures.js';

type Proxy = NonNullable<ClusterSpec['egressProxy']>;

function refusal(egressProxy: unknown): ValidationError {
  const c = cluster({ egressProxy: egressProxy as Proxy });
  const text = [c, ...groups()].map((d) => stringify(d)).join('---\n');
  try {
    parseSpecSet(text, 'cluster.yaml', SPEC_RULES);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('the spec was accepted');
}

describe('spec.egressProxy', () => {
  it('completes excludes with the cluster\'s own addresses, after the user\'s, each once', () => {
    const c = cluster({ egressProxy: { httpProxy: { host: 'proxy.corp.example', port: 3128 }, excludes: 'corp.example,localhost' } });
    const done = completeSpec(c, groups());
    expect(done.cluster.spec.egressProxy).toEqual({
      httpProxy: { host: 'proxy.corp.example', port: 3128 },
      excludes: [
        'corp.example',
        'localhost',
        '127.0.0.1',
        'cluster.local',
        'api.demo.example.com',
        'demo.example.com',
        '100.64.0.1',
        '100.64.0.0/13',
        '100.96.0.0/11',
        '100.64.0.0/10',
        '172.20.0.0/16',
        '169.254.169.254',
        'metadata.google.internal',
      ].join(','),
    });
    // Idempotent: the completed spec completes to itself.
    expect(completeSpec(done.cluster, done.instanceGroups).cluster.spec.egressProxy).toEqual(done.cluster.spec.egressProxy);
    expect(egressProxySettings(done.cluster.spec)).toEqual({ url: 'http://proxy.corp.example:3128', noProxy: done.cluster.spec.egressProxy?.excludes });
    expect(validate(c, groups())).toEqual([]);
  });

  it('leaves a cluster without a proxy as it was', () => {
    const done = completeSpec(cluster(), groups());
    expect('egressProxy' in done.cluster.spec).toBe(false);
    expect(egressProxySettings(done.cluster.spec)).toBeUndefined();
  });

  it('never puts an IPv6 cluster\'s ::/0 in no_proxy (nothing would go through the proxy), and brackets an IPv6 proxy', () => {
    const p = completeEgressProxy({ httpProxy: { host: 'fd00::3', port: 8080 } }, { clusterName: 'six.example.com', clusterDNSDomain: 'cluster.local', publicName: 'api.six.example.com', networkCIDR: '10.0.0.0/16', nonMasqueradeCIDR: '::/0', serviceClusterIPRange: 'fd00:5e4f:ce::/108' });
    expect(p.excludes?.split(',')).not.toContain('::/0');
    expect(p.excludes?.split(',')).toContain('fd00:5e4f:ce::1');
    expect(egressProxySettings({ egressProxy: p })?.url).toBe('http://[fd00::3]:8080');
  });

  it('adds the API\'s load balancer name, known only at plan time, to no_proxy', () => {
    const proxy = { httpProxy: { host: '10.0.0.5', port: 3128 }, excludes: 'a.example' };
    expect(egressProxySettings({ egressProxy: proxy }, 'api-lb-123.elb.amazonaws.com')?.noProxy).toBe('a.example,api-lb-123.elb.amazonaws.com');
    expect(egressProxySettings({ egressProxy: proxy }, 'a.example')?.noProxy).toBe('a.example');
  });

  it.each([
    ['a URL for the host', { httpProxy: { host: 'http://proxy.corp.example:3128', port: 3128 } }, 'spec.egressProxy.httpProxy.host', 'host: proxy.corp.example'],
    ['a host with its port', { httpProxy: { host: 'proxy.corp.example:3128', port: 3128 } }, 'spec.egressProxy.httpProxy.host', 'host: proxy.corp.example'],
    ['an empty host', { httpProxy: { host: '', port: 3128 } }, 'spec.egressProxy.httpProxy.host', 'proxy.corp.example'],
    ['no host', { httpProxy: { port: 3128 } }, 'spec.egressProxy.httpProxy.host', ''],
    ['port 0', { httpProxy: { host: 'proxy', port: 0 } }, 'spec.egressProxy.httpProxy.port', ''],
    ['port 65536', { httpProxy: { host: 'proxy', port: 65536 } }, 'spec.egressProxy.httpProxy.port', ''],
    ['a port as text', { httpProxy: { host: 'proxy', port: '3128' } }, 'spec.egressProxy.httpProxy.port', ''],
    ['excludes with a space', { httpProxy: { host: 'proxy', port: 3128 }, excludes: 'corp.example, 10.0.0.0/8' }, 'spec.egressProxy.excludes', 'without spaces'],
    ['excludes with an empty entry', { httpProxy: { host: 'proxy', port: 3128 }, excludes: 'corp.example,,x.example' }, 'spec.egressProxy.excludes', 'without spaces'],
    ['excludes as a list', { httpProxy: { host: 'proxy', port: 3128 }, excludes: ['corp.example'] }, 'spec.egressProxy.excludes', ''],
  ])('refuses %s at its path, with a fix', (_what, proxy, path, fix) => {
    const error = refusal(proxy);
    const match = error.problems.find((p) => p.path === path);
    expect(match, error.message).toBeDefined();
    expect(match!.fix, formatProblem(match!)).toBeTruthy();
    expect(match!.fix).toContain(fix);
    expect(error.problems.filter((p) => p.path.startsWith('spec.egressProxy'))).toHaveLength(1);
  });

  it('names the bad entry of excludes, with the value', () => {
    const match = refusal({ httpProxy: { host: 'proxy', port: 3128 }, excludes: 'ok.example,bad entry' }).problems.find((p) => p.path === 'spec.egressProxy.excludes');
    expect(match?.value).toBe('ok.example,bad entry');
    expect(match?.message).toContain('"bad entry"');
  });

  it('is kept on import from kops, and the result validates', () => {
    const text = [
      'apiVersion: kops.k8s.io/v1alpha2',
      'kind: Cluster',
      'metadata:',
      '  name: proxied.example.com',
      'spec:',
      '  cloudProvider: aws',
      '  kubernetesVersion: v1.34.0',
      '  networkCIDR: 172.20.0.0/16',
      '  networking:',
      '    calico: {}',
      '  egressProxy:',
      '    httpProxy:',
      '      host: proxy.corp.example',
      '      port: 3128',
      '    excludes: corp.example,internal.corp.example',
      '  subnets:',
      '  - {name: us-east-1a, zone: us-east-1a, type: Public, cidr: 172.20.32.0/19}',
      '---',
      'apiVersion: kops.k8s.io/v1alpha2',
      'kind: InstanceGroup',
      'metadata:',
      '  name: master-us-east-1a',
      '  labels: {kops.k8s.io/cluster: proxied.example.com}',
      'spec: {role: Master, machineType: m5.large, minSize: 1, maxSize: 1, subnets: [us-east-1a]}',
      '',
    ].join('\n');
    const set = parseSpecSet(withDnsZone(text), 'proxied.yaml', SPEC_RULES);
    expect(set.documents.flatMap((d) => d.converted?.dropped ?? [])).toEqual([]);
    expect(set.cluster.spec.egressProxy).toEqual({ httpProxy: { host: 'proxy.corp.example', port: 3128 }, excludes: 'corp.example,internal.corp.example' });
    const completed = completeSpec(set.cluster, set.instanceGroups);
    expect(completed.cluster.spec.egressProxy?.excludes?.split(',').slice(0, 4)).toEqual(['corp.example', 'internal.corp.example', '127.0.0.1', 'localhost']);
    expect(validate(completed.cluster, completed.instanceGroups)).toEqual([]);
  });
});
