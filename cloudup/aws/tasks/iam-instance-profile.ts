/**
 * IAMInstanceProfile with its role (CreateInstanceProfile, AddRoleToInstanceProfile). Outputs: `id` (the name), `arn`.
 */

import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import type { InstanceProfile } from '@aws-sdk/client-iam';
import type { LiveObject } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { listIam } from '../listings/services.js';
import { awsTags } from '../tags.js';
import { awsKind, liveFields } from './kind.js';

export interface IamInstanceProfileFields {
  readonly instanceProfileName: string;
  readonly path: string;
  readonly roleName: string;
}

export const iamInstanceProfileTask = taskConstructor<IamInstanceProfileFields>('IAMInstanceProfile');

function toLive(p: InstanceProfile): LiveObject {
  return {
    id: p.InstanceProfileName!,
    name: p.InstanceProfileName!,
    fields: { instanceProfileName: p.InstanceProfileName!, path: p.Path ?? '/', roleName: p.Roles?.[0]?.RoleName ?? '' },
    outputs: { id: p.InstanceProfileName!, arn: p.Arn ?? '' },
  };
}

async function setRole(ctx: AwsContext, profile: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  if (from !== '') await ctx.clients.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profile, RoleName: from }));
  if (to === '') return;
  try {
    await ctx.clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profile, RoleName: to }));
  } catch (e) {
    // A profile holds one role: it is there already when an earlier answer was lost.
    if (!hasName(e, 'LimitExceeded', 'LimitExceededException')) throw e;
  }
}

export const iamInstanceProfileKind = awsKind<IamInstanceProfileFields>({
  kind: 'IAMInstanceProfile',
  uses: ['IAMRole'],
  immutable: ['instanceProfileName', 'path'],
  list: async (ctx) => (await listIam(ctx)).instanceProfiles.map(toLive),
  async create(ctx, _task, d) {
    const name = d.instanceProfileName;
    let profile: InstanceProfile;
    try {
      profile = (await ctx.clients.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: d.path, Tags: awsTags({ ...ctx.tags, Name: name }) }))).InstanceProfile!;
    } catch (e) {
      if (!hasName(e, 'EntityAlreadyExists', 'EntityAlreadyExistsException')) throw e;
      profile = (await ctx.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!;
      if (profile.Path !== d.path) throw e;
    }
    await setRole(ctx, name, profile.Roles?.[0]?.RoleName ?? '', d.roleName);
    return { ...toLive(profile), fields: { ...toLive(profile).fields, roleName: d.roleName } };
  },
  async update(ctx, _task, live, d) {
    await setRole(ctx, live.id, liveFields<IamInstanceProfileFields>(live).roleName, d.roleName);
    return { ...live, fields: { ...live.fields, roleName: d.roleName } };
  },
  async delete(ctx, live) {
    const role = liveFields<IamInstanceProfileFields>(live).roleName;
    if (role !== '') {
      try {
        await ctx.clients.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: live.id, RoleName: role }));
      } catch (e) {
        // The role is gone from it already; the profile itself still has to go.
        if (!hasName(e, 'NoSuchEntity', 'NoSuchEntityException')) throw e;
      }
    }
    await ctx.clients.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: live.id }));
  },
});
