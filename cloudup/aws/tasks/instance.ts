/**
 * Instance: never made by a task (Auto Scaling groups launch them). Listed only when a cluster
 * is torn down, so that a machine left running outside its group is terminated too; deleting
 * waits until it is terminated, so that its subnet, groups and volumes can go next.
 */

import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { NotReadyError } from '../../../src/engine/executor.js';
import { HoistError } from '../../../src/errors.js';
import { listInstances } from '../listings/ec2.js';
import { tagMap } from '../tags.js';
import { awsKind } from './kind.js';
import { liveObject } from './live.js';

export const instanceKind = awsKind({
  kind: 'Instance',
  uses: ['Subnet', 'SecurityGroup', 'IAMInstanceProfile', 'KeyPair', 'LaunchTemplate', 'EBSVolume', 'InternetGateway', 'NetworkInterface'],
  immutable: [],
  async list(ctx) {
    if (ctx.mode.reconciling) return [];
    return (await listInstances(ctx)).map((i) => {
      const live = liveObject(ctx, i, i.item.InstanceId!, tagMap(i.item.Tags), { state: i.item.State?.Name ?? '' });
      return { ...live, name: i.item.InstanceId! };
    });
  },
  create() {
    return Promise.reject(new HoistError('INTERNAL', 'instances are launched by their Auto Scaling group, not by hoist: no task asks for one'));
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [live.id] }));
    const state = (await ctx.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [live.id] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;
    if (state !== undefined && state !== 'terminated') throw new NotReadyError(`instance ${live.id} is ${state}`);
  },
});
