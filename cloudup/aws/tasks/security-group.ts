/**
 * SecurityGroup (CreateSecurityGroup). Its rules are the SecurityGroupRule kind. Deleting waits while instances, interfaces or other
 * groups' rules still use it.
 */

import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { taskConstructor } from '../../../src/engine/task.js';
import { hasName } from '../errors.js';
import { listSecurityGroups } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface SecurityGroupFields {
  readonly vpcId: string;
  readonly groupName: string;
  readonly description: string;
  readonly tags: TagMap;
}

export const securityGroupTask = taskConstructor<SecurityGroupFields>('SecurityGroup');

export const securityGroupKind = awsKind<SecurityGroupFields>({
  kind: 'SecurityGroup',
  uses: ['VPC'],
  immutable: ['vpcId', 'groupName', 'description'],
  list: async (ctx) =>
    (await listSecurityGroups(ctx)).map((g) =>
      liveObject(ctx, g, g.item.GroupId!, tagMap(g.item.Tags), { vpcId: g.item.VpcId ?? '', groupName: g.item.GroupName ?? '', description: g.item.Description ?? '' }),
    ),
  async create(ctx, task, d) {
    const input = { VpcId: d.vpcId, GroupName: d.groupName, Description: d.description };
    let groupId: string;
    try {
      groupId = (await ctx.clients.ec2.send(new CreateSecurityGroupCommand({ ...input, TagSpecifications: tagSpec('security-group', d.tags) }))).GroupId!;
    } catch (e) {
      // Names are unique in a VPC: a group of this name made by a lost attempt is this task's.
      if (!hasName(e, 'InvalidGroup.Duplicate')) throw e;
      const found = await ctx.clients.ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [input.VpcId] }, { Name: 'group-name', Values: [input.GroupName] }, { Name: 'tag:Name', Values: [task.name] }] }),
      );
      const existing = found.SecurityGroups?.[0];
      if (!existing) throw e;
      groupId = existing.GroupId!;
    }
    return liveObject(ctx, { owner: 'hoist' }, groupId, d.tags, { vpcId: input.VpcId, groupName: input.GroupName, description: input.Description });
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, d.tags, liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: live.id }));
  },
});
