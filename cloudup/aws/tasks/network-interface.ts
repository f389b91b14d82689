/**
 * NetworkInterface: never made by a task. Interfaces a cluster leaves in its subnets (detached
 * secondary interfaces of a CNI, or ones tagged as the cluster's) are listed only when it is
 * torn down, and deleted before the subnets and security groups they hold on to.
 */

import { DeleteNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import { HoistError } from '../../../src/errors.js';
import { listNetworkInterfaces } from '../listings/ec2.js';
import { tagMap } from '../tags.js';
import { awsKind } from './kind.js';
import { liveObject } from './live.js';

export const networkInterfaceKind = awsKind({
  kind: 'NetworkInterface',
  uses: ['Subnet', 'SecurityGroup'],
  immutable: [],
  async list(ctx) {
    if (ctx.mode.reconciling) return [];
    return (await listNetworkInterfaces(ctx)).map((n) => ({
      ...liveObject(ctx, n, n.item.NetworkInterfaceId!, tagMap(n.item.TagSet), { status: n.item.Status ?? '' }),
      name: n.item.NetworkInterfaceId!,
    }));
  },
  create() {
    return Promise.reject(new HoistError('INTERNAL', 'network interfaces are made by the machines that use them, not by hoist: no task asks for one'));
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: live.id }));
  },
});
