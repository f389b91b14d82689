/**
 * subnets[].additionalRoutes: what the API refuses (on every cloud, and aws's own rules), each at
 * its field path with the value and a fix, what it takes, and the kops import keeping them.
 */

import { describe, expect, it } from 'vitest';
import type { Subnet } from '../../src/api/index.js';
import { parseSpecSet, parseSpecText } from '../../src/api/index.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { cluster, group, validate } from './fixtures.js';

const utility: Subnet = { name: 'utility-us-east-1a', zone: 'us-east-1a', type: 'Utility' };
const privateA = (routes: Subnet['additionalRoutes'], extra: Partial<Subnet> = {}): Subnet => ({ name: 'us-east-1a', zone: 'us-east-1a', type: 'Private', additionalRoutes: routes, ...extra });
const controlPlane = group('control-plane-us-east-1a', { role: 'ControlPlane' });
const problems = (subnets: Subnet[], extra: Parameters<typeof cluster>[0] = {}) => validate(cluster({ subnets, networkCIDR: '10.0.0.0/16', ...extra }), [controlPlane]);
const paths = (found: ReturnType<typeof problems>) => found.map((p) => p.path);

describe('subnets[].additionalRoutes', () => {
  it('takes routes of a Private subnet to every target kops routes to, and vpce-', () => {
    const routes = [
      { cidr: '10.100.0.0/16', target: 'tgw-0123456789abcdef0' },
      { cidr: '192.168.0.0/24', target: 'pcx-0123456789abcdef0' },
      { cidr: '192.168.1.0/24', target: 'nat-0123456789abcdef0' },
      { cidr: '192.168.2.0/24', target: 'i-0123456789abcdef0' },
      { cidr: '192.168.3.0/24', target: 'igw-0123456789abcdef0' },
      { cidr: '192.168.4.0/24', target: 'vpce-0123456789abcdef0' },
      // A route more specific than the VPC's own, to an instance (a middlebox), as kops allows.
      { cidr: '10.0.200.0/24', target: 'i-0123456789abcdef0' },
    ];
    expect(problems([privateA(routes), utility])).toEqual([]);
  });

  it('refuses a destination that is not a CIDR, or not written as AWS writes it', () => {
    const found = problems([privateA([{ cidr: '10.100.0.0', target: 'tgw-1' }, { cidr: '10.100.0.1/16', target: 'tgw-1' }, { cidr: '10.300.0.0/16', target: 'tgw-1' }]), utility]);
    expect(found).toEqual([
      expect.objectContaining({ path: 'spec.subnets[0].additionalRoutes[0].cidr', value: '10.100.0.0', message: 'is not a CIDR: it has no "/prefix"' }),
      expect.objectContaining({ path: 'spec.subnets[0].additionalRoutes[1].cidr', value: '10.100.0.1/16', fix: 'did you mean 10.100.0.0/16?' }),
      expect.objectContaining({ path: 'spec.subnets[0].additionalRoutes[2].cidr', value: '10.300.0.0/16' }),
    ]);
    for (const p of found) expect(p.fix).toBeTruthy();
  });

  it('refuses an unknown target prefix with the targets it takes', () => {
    const found = problems([privateA([{ cidr: '10.100.0.0/16', target: 'vgw-0123456789abcdef0' }, { cidr: '10.101.0.0/16', target: 'tgw0123' }]), utility]);
    expect(paths(found)).toEqual(['spec.subnets[0].additionalRoutes[0].target', 'spec.subnets[0].additionalRoutes[1].target']);
    expect(found[0]).toMatchObject({ value: 'vgw-0123456789abcdef0', message: 'is not a route target hoist knows' });
    expect(found[0]?.fix).toContain('tgw-');
  });

  it('refuses them on subnet types kops refuses, on shared subnets and where the egress is External', () => {
    const route = [{ cidr: '10.100.0.0/16', target: 'tgw-1' }];
    const onUtility = problems([{ ...utility, additionalRoutes: route }, privateA(undefined)]);
    expect(onUtility).toEqual([expect.objectContaining({ path: 'spec.subnets[0].additionalRoutes', message: 'can only be added to a Private subnet (this one is Utility), as in kops' })]);
    const onPublic = problems([{ name: 'us-east-1a', zone: 'us-east-1a', type: 'Public', additionalRoutes: route }]);
    expect(paths(onPublic)).toEqual(['spec.subnets[0].additionalRoutes']);
    const shared = problems([privateA(route, { id: 'subnet-0123456789abcdef0' }), utility]);
    expect(shared).toEqual([expect.objectContaining({ path: 'spec.subnets[0].additionalRoutes', message: expect.stringContaining('shared subnet') })]);
    const external = problems([privateA(route, { egress: 'External' }), utility]);
    expect(external).toEqual([expect.objectContaining({ path: 'spec.subnets[0].additionalRoutes', message: expect.stringContaining('External') })]);
  });

  it('refuses the routes hoist makes, the network\'s own range, a destination given twice, and peering inside the network', () => {
    const found = problems([
      privateA([
        { cidr: '0.0.0.0/0', target: 'tgw-1' },
        { cidr: '10.0.0.0/16', target: 'tgw-1' },
        { cidr: '10.100.0.0/16', target: 'tgw-1' },
        { cidr: '10.100.0.0/16', target: 'pcx-1' },
        { cidr: '10.0.64.0/18', target: 'pcx-1' },
        { cidr: '10.200.0.0/16', target: 'eigw-1' },
      ]),
      utility,
    ]);
    expect(found.map((p) => [p.path, p.message])).toEqual([
      ['spec.subnets[0].additionalRoutes[1].cidr', 'is the network\'s own range (spec.networkCIDR), which the VPC routes locally'],
      ['spec.subnets[0].additionalRoutes[3].cidr', 'is also the destination of spec.subnets[0].additionalRoutes[2]'],
      ['spec.subnets[0].additionalRoutes[0].cidr', expect.stringContaining('is a route hoist makes itself')],
      ['spec.subnets[0].additionalRoutes[4].target', expect.stringContaining('is a VPC peering connection, but 10.0.64.0/18 is inside the network (spec.networkCIDR)')],
      ['spec.subnets[0].additionalRoutes[5].target', 'is an egress-only internet gateway, which takes IPv6 destinations only'],
    ]);
  });

  it('refuses one destination sent two ways by Private subnets of one zone (they share its route table)', () => {
    const second: Subnet = { name: 'us-east-1a-2', zone: 'us-east-1a', type: 'Private', cidr: '10.0.128.0/20', additionalRoutes: [{ cidr: '10.100.0.0/16', target: 'pcx-1' }] };
    const found = problems([privateA([{ cidr: '10.100.0.0/16', target: 'tgw-1' }]), second, utility]);
    expect(found).toEqual([expect.objectContaining({ path: 'spec.subnets[1].additionalRoutes[0].cidr', message: 'is also routed to tgw-1 by spec.subnets[0].additionalRoutes[0].cidr: the Private subnets of zone us-east-1a share one route table' })]);
    // The same route twice is one route.
    expect(problems([privateA([{ cidr: '10.100.0.0/16', target: 'tgw-1' }]), { ...second, additionalRoutes: [{ cidr: '10.100.0.0/16', target: 'tgw-1' }] }, utility])).toEqual([]);
  });

  it('takes IPv6 destinations in an IPv6 cluster only', () => {
    const v6 = [{ cidr: '2001:db8::/32', target: 'eigw-0123' }];
    expect(paths(problems([privateA(v6), utility]))).toEqual(['spec.subnets[0].additionalRoutes[0].cidr']);
    const ipv6 = { nonMasqueradeCIDR: '::/0', networking: { cilium: {} } } as const;
    const withSlots = (s: Subnet, n: number): Subnet => ({ ...s, ipv6CIDR: `/64#${n}` });
    expect(problems([withSlots(privateA(v6), 1), withSlots(utility, 2)], ipv6)).toEqual([]);
    const own = problems([withSlots(privateA([{ cidr: '::/0', target: 'tgw-1' }, { cidr: '2001:DB8::/32', target: 'tgw-1' }]), 1), withSlots(utility, 2)], ipv6);
    expect(own.map((p) => [p.path, p.fix])).toEqual([
      ['spec.subnets[0].additionalRoutes[1].cidr', 'write it as 2001:db8::/32'],
      ['spec.subnets[0].additionalRoutes[0].cidr', expect.stringContaining('egress')],
    ]);
  });

  it('is refused at its path on clouds that make no such routes', () => {
    const local = validate(cluster({ cloudProvider: 'local', networkCIDR: '127.20.0.0/16', dnsZone: undefined, subnets: [{ name: 'local-a', zone: 'local-a', type: 'Private', additionalRoutes: [{ cidr: '10.100.0.0/16', target: 'tgw-1' }] }] }), [group('control-plane', { role: 'ControlPlane', subnets: ['local-a'] })]);
    expect(local).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'spec.subnets[0].additionalRoutes', message: 'hoist makes no routes of its own in a subnet\'s route table on local' })]));
  });

  it('is kept by the kops import', () => {
    const kops = `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: routes.example.com
spec:
  cloudProvider: aws
  kubernetesVersion: 1.34.0
  networkCIDR: 10.0.0.0/16
  dnsZone: example.com
  subnets:
  - {name: us-east-1a, zone: us-east-1a, type: Private, cidr: 10.0.32.0/19, additionalRoutes: [{cidr: 192.168.1.10/32, target: tgw-0123456}]}
  - {name: utility-us-east-1a, zone: us-east-1a, type: Utility, cidr: 10.0.0.0/22}
---
apiVersion: kops.k8s.io/v1alpha2
kind: InstanceGroup
metadata:
  name: control-plane
  labels: {kops.k8s.io/cluster: routes.example.com}
spec: {role: Master, subnets: [us-east-1a], machineType: t3.medium, minSize: 1, maxSize: 1}
`;
    const c = parseSpecText(kops, 'routes.yaml', SPEC_RULES).find((d) => d.kind === 'Cluster');
    expect(c?.converted?.dropped ?? []).toEqual([]);
    expect(c?.object.spec.subnets[0]?.additionalRoutes).toEqual([{ cidr: '192.168.1.10/32', target: 'tgw-0123456' }]);
    // And the converted set is valid as it is.
    expect(() => parseSpecSet(kops, 'routes.yaml', SPEC_RULES)).not.toThrow();
  });
});
