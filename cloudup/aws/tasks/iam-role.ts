/**
 * IAMRole: a machines' or a service account's role (CreateRole). Tags are set when it is made:
 * IAM listings do not return them. Its permissions boundary (spec.iam.permissionsBoundary) is
 * set with it and changed in place (PutRolePermissionsBoundary, DeleteRolePermissionsBoundary).
 */

import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePermissionsBoundaryCommand, GetRoleCommand, PutRolePermissionsBoundaryCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import type { RoleDetail } from '@aws-sdk/client-iam';
import stringify from 'safe-stable-stringify';
import type { LiveObject, Resolved, ResolvedFields } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { hasName } from '../errors.js';
import { listIam } from '../listings/services.js';
import { awsTags } from '../tags.js';
import type { AwsContext } from '../context.js';
import { awsKind, changedFields } from './kind.js';

/** An IAM policy document (JSON) as a value. */
export type PolicyDocument = ResolvedFields;

export interface IamRoleFields {
  readonly roleName: string;
  /** The cluster's own IAM path, which is how discovery finds the role. */
  readonly path: string;
  readonly assumeRolePolicyDocument: PolicyDocument;
  /** The managed policy that bounds the role; "" for none. */
  readonly permissionsBoundary?: string;
}

export const iamRoleTask = taskConstructor<IamRoleFields>('IAMRole');

/** A policy document as IAM returns it (URL-encoded JSON), as a value to compare with the desired one. */
export function parsePolicy(text: string | undefined): Resolved {
  if (text === undefined || text === '') return {};
  const decoded = text.trimStart().startsWith('{') ? text : decodeURIComponent(text);
  try {
    return JSON.parse(decoded) as Resolved;
  } catch {
    return decoded;
  }
}

/** The document to send: canonical JSON (sorted keys), so that equal documents are equal text. */
export function policyText(document: Resolved | undefined): string {
  return stringify(document ?? {}) ?? '{}';
}

function toLive(r: Pick<RoleDetail, 'RoleName' | 'RoleId' | 'Path' | 'Arn' | 'AssumeRolePolicyDocument' | 'PermissionsBoundary'>): LiveObject {
  return {
    id: r.RoleName!,
    name: r.RoleName!,
    fields: { roleName: r.RoleName!, path: r.Path ?? '/', assumeRolePolicyDocument: parsePolicy(r.AssumeRolePolicyDocument), permissionsBoundary: r.PermissionsBoundary?.PermissionsBoundaryArn ?? '' },
    outputs: { id: r.RoleName!, arn: r.Arn ?? '' },
  };
}

/** Puts `arn` as the role's boundary, or removes the boundary for "". */
async function setBoundary(ctx: AwsContext, roleName: string, arn: string): Promise<void> {
  if (arn === '') await ctx.clients.iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: roleName }));
  else await ctx.clients.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: roleName, PermissionsBoundary: arn }));
}

export const iamRoleKind = awsKind<IamRoleFields>({
  kind: 'IAMRole',
  uses: [],
  immutable: ['roleName', 'path'],
  list: async (ctx) => (await listIam(ctx)).roles.map(toLive),
  async create(ctx, _task, d) {
    const input = { RoleName: d.roleName, Path: d.path, AssumeRolePolicyDocument: policyText(d.assumeRolePolicyDocument), ...(d.permissionsBoundary ? { PermissionsBoundary: d.permissionsBoundary } : {}) };
    try {
      const out = await ctx.clients.iam.send(new CreateRoleCommand({ ...input, Tags: awsTags({ ...ctx.tags, Name: input.RoleName }) }));
      return toLive(out.Role!);
    } catch (e) {
      // Role names are unique in the account: one on the cluster's path is this task's.
      if (!hasName(e, 'EntityAlreadyExists', 'EntityAlreadyExistsException')) throw e;
      const role = (await ctx.clients.iam.send(new GetRoleCommand({ RoleName: input.RoleName }))).Role!;
      if (role.Path !== input.Path) throw e;
      // Made by a lost attempt, maybe before its boundary changed: set it as the task has it.
      const live = toLive(role);
      if (d.permissionsBoundary !== undefined && live.fields['permissionsBoundary'] !== d.permissionsBoundary) await setBoundary(ctx, input.RoleName, d.permissionsBoundary);
      return { ...live, fields: { ...live.fields, permissionsBoundary: d.permissionsBoundary ?? '' } };
    }
  },
  async update(ctx, _task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('assumeRolePolicyDocument')) await ctx.clients.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: live.id, PolicyDocument: policyText(d.assumeRolePolicyDocument) }));
    if (changed.has('permissionsBoundary') && d.permissionsBoundary !== undefined) await setBoundary(ctx, live.id, d.permissionsBoundary);
    return { ...live, fields: { ...live.fields, assumeRolePolicyDocument: d.assumeRolePolicyDocument, ...(d.permissionsBoundary === undefined ? {} : { permissionsBoundary: d.permissionsBoundary }) } };
  },
  async delete(ctx, live) {
    await ctx.clients.iam.send(new DeleteRoleCommand({ RoleName: live.id }));
  },
});
