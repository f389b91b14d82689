/**
 * api.loadBalancer.subnets and .accessLog: what the schema refuses (with the field path and an
 * example), what the AWS rules refuse as kops does (a subnet that is not the cluster's, a private
 * address outside its subnet or on a Public load balancer, an Elastic IP on an Internal one) and
 * as ELB would (two subnets of a zone, a Private subnet under a Public load balancer, an address
 * AWS reserves), the other clouds refusing both, and the model's SubnetMappings and attributes.
 */

import { describe, expect, it } from 'vitest';
import { ClusterSpecSchema, completeSpec } from '../../src/api/index.js';
import type { ClusterSpec, InstanceGroupSpec } from '../../src/api/index.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { testBoot } from '../support/boot.js';
import { cluster, group, groups, validate } from './fixtures.js';

const SUBNETS: ClusterSpec['subnets'] = [
  { name: 'a', zone: 'us-east-1a', type: 'Private', cidr: '172.20.32.0/19' },
  { name: 'b', zone: 'us-east-1b', type: 'Private', cidr: '172.20.64.0/19' },
  { name: 'utility-a', zone: 'us-east-1a', type: 'Utility', cidr: '172.20.0.0/22' },
  { name: 'utility-b', zone: 'us-east-1b', type: 'Utility', cidr: '172.20.4.0/22' },
];
const planeGroups = () => [group('control-plane-us-east-1a', { role: 'ControlPlane', subnets: ['a'] }), group('nodes', { subnets: ['a', 'b'] })];
const withLoadBalancer = (loadBalancer: Record<string, unknown>) =>
  validate(cluster({ subnets: SUBNETS, topology: { controlPlane: 'private', nodes: 'private' }, api: { loadBalancer: { type: 'Public', ...loadBalancer } as never } }), planeGroups());
const said = (loadBalancer: Record<string, unknown>) => withLoadBalancer(loadBalancer).map((p) => `${p.path}: ${String(p.value)}: ${p.message}`);

describe('api.loadBalancer.subnets and accessLog in the schema', () => {
  const issues = (loadBalancer: Record<string, unknown>) =>
    ClusterSpecSchema.safeParse({ ...cluster().spec, api: { loadBalancer: { type: 'Public', ...loadBalancer } } }).error?.issues.map((i) => [i.path.join('.'), i.message]);

  it('refuses a bad address, allocation id, bucket, prefix or interval at its path, with an example', () => {
    expect(issues({ subnets: [{ name: 'a', privateIPv4Address: '10.0.300.1' }] })).toEqual([['api.loadBalancer.subnets.0.privateIPv4Address', expect.stringContaining('an IPv4 address such as 10.0.32.10')]]);
    expect(issues({ subnets: [{ name: 'a', allocationId: 'eip-1' }] })).toEqual([['api.loadBalancer.subnets.0.allocationId', expect.stringContaining('eipalloc-0123456789abcdef0')]]);
    expect(issues({ subnets: [{ name: '' }] })?.[0]?.[0]).toBe('api.loadBalancer.subnets.0.name');
    expect(issues({ subnets: [] })?.[0]?.[0]).toBe('api.loadBalancer.subnets');
    expect(issues({ accessLog: { bucket: 'My_Bucket' } })).toEqual([['api.loadBalancer.accessLog.bucket', expect.stringContaining('an S3 bucket name')]]);
    expect(issues({ accessLog: { bucket: 'logs', bucketPrefix: '/api/' } })?.[0]?.[0]).toBe('api.loadBalancer.accessLog.bucketPrefix');
    expect(issues({ accessLog: { bucket: 'logs', bucketPrefix: 'x/AWSLogs' } })).toEqual([['api.loadBalancer.accessLog.bucketPrefix', expect.stringContaining('without AWSLogs')]]);
    expect(issues({ accessLog: { bucket: 'logs', interval: 10 } })).toEqual([['api.loadBalancer.accessLog.interval', '5 or 60 (minutes), the intervals ELB offers']]);
    expect(issues({ accessLog: { bucket: 'logs', bucketPrefix: 'api/logs', interval: 60 }, subnets: [{ name: 'a', allocationId: 'eipalloc-0123456789abcdef0' }] })).toBeUndefined();
  });
});

describe('api.loadBalancer.subnets on aws', () => {
  it('takes one Utility subnet per zone with Elastic IPs on a Public load balancer, and private addresses on an Internal one', () => {
    expect(withLoadBalancer({ subnets: [{ name: 'utility-a', allocationId: 'eipalloc-0a' }, { name: 'utility-b' }], accessLog: { bucket: 'logs' } })).toEqual([]);
    expect(withLoadBalancer({ type: 'Internal', subnets: [{ name: 'a', privateIPv4Address: '172.20.32.10' }, { name: 'b' }] })).toEqual([]);
  });

  it('refuses what kops refuses, at the entry\'s field', () => {
    expect(said({ subnets: [{ name: 'utility-c' }] })).toEqual(['spec.api.loadBalancer.subnets[0].name: utility-c: is not one of spec.subnets']);
    expect(withLoadBalancer({ subnets: [{ name: 'utility-c' }] })[0]?.fix).toBe('name one of a, b, utility-a, utility-b');
    expect(said({ subnets: [{ name: 'utility-a', privateIPv4Address: '172.20.0.10' }] })).toEqual([
      'spec.api.loadBalancer.subnets[0].privateIPv4Address: 172.20.0.10: applies only to an Internal network load balancer, not a Public one',
    ]);
    expect(said({ type: 'Internal', subnets: [{ name: 'a', allocationId: 'eipalloc-0a' }] })).toEqual([
      'spec.api.loadBalancer.subnets[0].allocationId: eipalloc-0a: applies only to a Public network load balancer, not an Internal one',
    ]);
    expect(said({ type: 'Internal', class: 'Classic', subnets: [{ name: 'a', privateIPv4Address: '172.20.32.10' }] })).toEqual([
      'spec.api.loadBalancer.subnets[0].privateIPv4Address: 172.20.32.10: applies only to an Internal network load balancer, not a Classic load balancer',
    ]);
    expect(said({ type: 'Internal', subnets: [{ name: 'a', privateIPv4Address: '172.20.64.10' }] })).toEqual([
      'spec.api.loadBalancer.subnets[0].privateIPv4Address: 172.20.64.10: is not in subnet a (172.20.32.0/19)',
    ]);
  });

  it('refuses what ELB refuses: two subnets of a zone, a Private subnet under a Public load balancer, a reserved address', () => {
    expect(said({ subnets: [{ name: 'utility-a' }, { name: 'utility-a' }] })).toEqual([
      'spec.api.loadBalancer.subnets[1].name: utility-a: is in zone us-east-1a, as subnets[0] is: a load balancer has one subnet per zone',
    ]);
    expect(said({ subnets: [{ name: 'a' }] })).toEqual([
      'spec.api.loadBalancer.subnets[0].name: a: is a Private subnet: a Public load balancer needs a Utility or Public subnet, whose route goes to the internet gateway',
    ]);
    for (const address of ['172.20.32.0', '172.20.32.3', '172.20.63.255']) {
      expect(said({ type: 'Internal', subnets: [{ name: 'a', privateIPv4Address: address }] }), address).toEqual([
        `spec.api.loadBalancer.subnets[0].privateIPv4Address: ${address}: is reserved by AWS in 172.20.32.0/19 (its first four addresses and its last)`,
      ]);
    }
  });

  it('is refused with accessLog at their paths on gce and local', () => {
    const loadBalancer = { type: 'Public' as const, subnets: [{ name: 'us-east-1a' }], accessLog: { bucket: 'logs' } };
    const gce = cluster({ cloudProvider: 'gce', project: 'p', subnets: [{ name: 'us-east-1a', region: 'us-central1', type: 'Public' }], api: { loadBalancer } });
    const local = cluster({ cloudProvider: 'local', networkCIDR: '127.20.0.0/16', dnsZone: undefined, subnets: [{ name: 'us-east-1a', zone: 'local-a', type: 'Public' }], api: { loadBalancer } });
    const on = (c: typeof gce, zones: Partial<InstanceGroupSpec>) => validate(c, groups().map((g) => ({ ...g, spec: { ...g.spec, subnets: ['us-east-1a'], ...zones } }))).map((p) => `${p.path}: ${p.message}`);
    expect(on(gce, { zones: ['us-central1-a'] })).toEqual([
      "spec.api.loadBalancer.accessLog: is not supported on gce: it sets an AWS load balancer's access logs",
      "spec.api.loadBalancer.subnets: is not supported on gce: it sets an AWS load balancer's subnets and addresses",
    ]);
    expect(on(local, { machineType: 'local.small' })).toEqual([
      "spec.api.loadBalancer.accessLog: is not supported on the local cloud: it sets an AWS load balancer's access logs",
      "spec.api.loadBalancer.subnets: is not supported on the local cloud: it sets an AWS load balancer's subnets and addresses",
    ]);
  });
});

describe('the API load balancer task', () => {
  const lbFields = (loadBalancer: Record<string, unknown>) => {
    const c = cluster({ subnets: SUBNETS, topology: { controlPlane: 'private', nodes: 'private' }, api: { loadBalancer: loadBalancer as never } });
    const boot = testBoot({ stateStore: 's3://hoist-state/clusters', configHash: (ig) => `sha256:${ig}` }, c.metadata.name);
    const task = buildAwsTasks(completeSpec(c, planeGroups()), boot).find((t) => t.kind === 'LoadBalancer')!;
    const subnetIds = (task.desired['subnetIds'] as { $ref: string }[]).map((r) => r.$ref.replace(/^Subnet\//, '').replace(/\..*$/, ''));
    return { subnetIds, addresses: task.desired['subnetAddresses'], accessLog: task.desired['accessLog'] };
  };

  it('takes the spec\'s subnets in zone order with their addresses, and the access log\'s bucket and prefix', () => {
    expect(lbFields({ type: 'Public', subnets: [{ name: 'utility-b' }, { name: 'utility-a', allocationId: 'eipalloc-0a' }], accessLog: { bucket: 'logs', interval: 60 } })).toEqual({
      subnetIds: ['utility-a', 'utility-b'],
      addresses: [{ allocationId: 'eipalloc-0a' }, {}],
      accessLog: { enabled: true, bucket: 'logs', prefix: '' },
    });
    expect(lbFields({ type: 'Internal', subnets: [{ name: 'b', privateIPv4Address: '172.20.64.10' }] })).toMatchObject({ subnetIds: ['b'], addresses: [{ privateIPv4Address: '172.20.64.10' }] });
  });

  it('without them: one Utility subnet per zone, addresses not compared, access logs off', () => {
    expect(lbFields({ type: 'Public' })).toEqual({ subnetIds: ['utility-a', 'utility-b'], addresses: undefined, accessLog: { enabled: false } });
  });
});
