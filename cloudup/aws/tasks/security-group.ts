/**
 * SecurityGroup. Desired: `vpcId`, `groupName`, `description` (CreateSecurityGroup), `tags`.
 * Its rules are the SecurityGroupRule kind. Deleting waits while instances, interfaces or other
 * groups' rules still use it.
 */

import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { hasName } from '../errors.js';
import { listSecurityGroups } from '../listings/ec2.js';
import { tagMap, tagSpec } from '../tags.js';
import { awsKind, changedFields, map, str } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export const securityGroupKind = awsKind({
  kind: 'SecurityGroup',
  uses: ['VPC'],
  immutable: ['vpcId', 'groupName', 'description'],
  list: async (ctx) =>
    (await listSecurityGroups(ctx)).map((g) =>
      liveObject(ctx, g, g.item.GroupId!, tagMap(g.item.Tags), { vpcId: g.item.VpcId ?? '', groupName: g.item.GroupName ?? '', description: g.item.Description ?? '' }),
    ),
  async create(ctx, task, d) {
    const input = { VpcId: str(d, 'vpcId'), GroupName: str(d, 'groupName'), Description: str(d, 'description') };
    let groupId: string;
    try {
      groupId = (await ctx.clients.ec2.send(new CreateSecurityGroupCommand({ ...input, TagSpecifications: tagSpec('security-group', map(d, 'tags')) }))).GroupId!;
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
    return liveObject(ctx, { owner: 'hoist' }, groupId, map(d, 'tags'), { vpcId: input.VpcId, groupName: input.GroupName, description: input.Description });
  },
  async update(ctx, _task, live, d, changes) {
    if (changedFields(changes).has('tags')) await syncEc2Tags(ctx, live.id, map(d, 'tags'), liveTags(live));
    return live;
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: live.id }));
  },
});
