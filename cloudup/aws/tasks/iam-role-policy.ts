/**
 * IAMRolePolicy: the inline policy of a role (PutRolePolicy). Named like its role when the
 * policy has the role's name, as hoist makes them.
 */

import { DeleteRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { taskConstructor } from '../../../src/engine/task.js';
import { listIam } from '../listings/services.js';
import { parsePolicy, policyText } from './iam-role.js';
import type { PolicyDocument } from './iam-role.js';
import { awsKind, liveFields } from './kind.js';

export interface IamRolePolicyFields {
  readonly roleName: string;
  readonly policyName: string;
  readonly policyDocument: PolicyDocument;
}

export const iamRolePolicyTask = taskConstructor<IamRolePolicyFields>('IAMRolePolicy');

export const iamRolePolicyKind = awsKind<IamRolePolicyFields>({
  kind: 'IAMRolePolicy',
  uses: ['IAMRole'],
  immutable: ['roleName', 'policyName'],
  list: async (ctx) =>
    (await listIam(ctx)).roles.flatMap((r) =>
      (r.RolePolicyList ?? []).map((p) => {
        const name = p.PolicyName === r.RoleName ? r.RoleName! : `${r.RoleName}:${p.PolicyName}`;
        return {
          id: `${r.RoleName}:${p.PolicyName}`,
          name,
          fields: { roleName: r.RoleName!, policyName: p.PolicyName!, policyDocument: parsePolicy(p.PolicyDocument) },
          outputs: { id: `${r.RoleName}:${p.PolicyName}` },
        };
      }),
    ),
  async create(ctx, task, d) {
    // PutRolePolicy replaces the policy of that name: repeating it is harmless.
    await ctx.clients.iam.send(new PutRolePolicyCommand({ RoleName: d.roleName, PolicyName: d.policyName, PolicyDocument: policyText(d.policyDocument) }));
    const id = `${d.roleName}:${d.policyName}`;
    return { id, name: task.name, fields: { ...d }, outputs: { id } };
  },
  async update(ctx, _task, live, d) {
    await ctx.clients.iam.send(new PutRolePolicyCommand({ RoleName: d.roleName, PolicyName: d.policyName, PolicyDocument: policyText(d.policyDocument) }));
    return { ...live, fields: { ...d } };
  },
  async delete(ctx, live) {
    const f = liveFields<IamRolePolicyFields>(live);
    await ctx.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: f.roleName, PolicyName: f.policyName }));
  },
});
