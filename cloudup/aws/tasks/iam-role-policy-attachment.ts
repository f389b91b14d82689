/**
 * IAMRolePolicyAttachment: a managed policy attached to a role (AttachRolePolicy), from
 * spec.externalPolicies. Read from the roles' listing (GetAccountAuthorizationDetails gives
 * each role's attached policies) and named `<role>:<policy ARN>`; a change of either is a
 * new attachment and the old one's removal.
 */

import { AttachRolePolicyCommand, DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { taskConstructor } from '../../../src/engine/task.js';
import { listIam } from '../listings/services.js';
import { awsKind, liveFields } from './kind.js';

export interface IamRolePolicyAttachmentFields {
  readonly roleName: string;
  readonly policyArn: string;
}

export const iamRolePolicyAttachmentTask = taskConstructor<IamRolePolicyAttachmentFields>('IAMRolePolicyAttachment');

export const attachmentName = (role: string, policyArn: string): string => `${role}:${policyArn}`;

export const iamRolePolicyAttachmentKind = awsKind<IamRolePolicyAttachmentFields>({
  kind: 'IAMRolePolicyAttachment',
  uses: ['IAMRole'],
  immutable: ['roleName', 'policyArn'],
  list: async (ctx) =>
    (await listIam(ctx)).roles.flatMap((r) =>
      (r.AttachedManagedPolicies ?? []).map((p) => {
        const id = attachmentName(r.RoleName!, p.PolicyArn!);
        return { id, name: id, fields: { roleName: r.RoleName!, policyArn: p.PolicyArn! }, outputs: { id } };
      }),
    ),
  async create(ctx, task, d) {
    // Attaching an attached policy again is harmless.
    await ctx.clients.iam.send(new AttachRolePolicyCommand({ RoleName: d.roleName, PolicyArn: d.policyArn }));
    const id = attachmentName(d.roleName, d.policyArn);
    return { id, name: task.name, fields: { ...d }, outputs: { id } };
  },
  async delete(ctx, live) {
    const f = liveFields<IamRolePolicyAttachmentFields>(live);
    await ctx.clients.iam.send(new DetachRolePolicyCommand({ RoleName: f.roleName, PolicyArn: f.policyArn }));
  },
});
