/**
 * Typed task fields: a kind's file declares its desired fields and makes its tasks; a misspelt
 * field does not compile (each @ts-expect-error below fails the type check once it compiles), and
 * what a user's spec asks for that AWS cannot do is a user error, not an internal one.
 */

import { describe, expect, it } from 'vitest';
import { ref } from '../../src/engine/task.js';
import type { ResolvedFields } from '../../src/engine/task.js';
import { HoistError } from '../../src/errors.js';
import type { AwsContext } from '../../cloudup/aws/context.js';
import { ebsVolumeKind, ebsVolumeTask } from '../../cloudup/aws/tasks/ebs-volume.js';
import { routeTask } from '../../cloudup/aws/tasks/route.js';
import { subnetTask } from '../../cloudup/aws/tasks/subnet.js';
import { vpcTask } from '../../cloudup/aws/tasks/vpc.js';

describe('AWS task constructors', () => {
  it('make plain tasks of their kind, Sync with no dependencies unless told', () => {
    const vpc = vpcTask('demo', { cidrBlock: '10.0.0.0/16', enableDnsSupport: true });
    expect(vpc).toEqual({ kind: 'VPC', name: 'demo', lifecycle: 'Sync', dependsOn: [], desired: { cidrBlock: '10.0.0.0/16', enableDnsSupport: true } });
    const subnet = subnetTask('subnet-1', { vpcId: ref('VPC/demo') }, { lifecycle: 'ExistsAndValidates', dependsOn: ['VPC/demo'] });
    expect(subnet).toMatchObject({ kind: 'Subnet', lifecycle: 'ExistsAndValidates', dependsOn: ['VPC/demo'], desired: { vpcId: { $ref: 'VPC/demo', output: 'id' } } });
  });

  it('refuse misspelt and mistyped fields at compile time', () => {
    const made = [
      // @ts-expect-error cidrBlok is not a field of a VPC
      vpcTask('a', { cidrBlok: '10.0.0.0/16' }),
      // @ts-expect-error a route needs its destination
      routeTask('b', { routeTableId: 'rtb-1', gatewayId: 'igw-1' }),
      // @ts-expect-error size is a number of GiB
      ebsVolumeTask('c', { availabilityZone: 'us-east-1a', size: '20', volumeType: 'gp3', encrypted: true, tags: {} }),
    ];
    expect(made.map((t) => t.kind)).toEqual(['VPC', 'Route', 'EBSVolume']);
  });
});

describe('an EBS volume asked to shrink', () => {
  it('is refused as a user error that says which etcd member and how to fix it, before any AWS call', async () => {
    // No AWS call happens before the check: a context with nothing but its listings will do.
    const ctx = { listings: { clear: () => undefined } } as unknown as AwsContext;
    const tags = { 'k8s.io/etcd/main': 'a/a', Name: 'a.etcd-main.demo' };
    const task = ebsVolumeTask('a.etcd-main.demo', { availabilityZone: 'us-east-1a', size: 10, volumeType: 'gp3', encrypted: true, tags });
    const live = { id: 'vol-1', name: 'a.etcd-main.demo', fields: { availabilityZone: 'us-east-1a', size: 40, volumeType: 'gp3', encrypted: true, tags }, outputs: { id: 'vol-1' } };
    const error = await ebsVolumeKind.update(ctx, task, live, { ...task.desired } as ResolvedFields, [{ path: 'size', before: 40, after: 10 }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HoistError);
    expect(error).toMatchObject({ code: 'INVALID_SPEC', user: true });
    expect((error as HoistError).message).toContain('is 40 GiB and cannot shrink to 10 GiB');
    expect((error as HoistError).hint).toBe('set the volumeSize of member a of etcd cluster main to 40 or more');
  });
});
