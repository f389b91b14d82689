/**
 * ProjectIamMember: one role on the project for one of the cluster's service accounts (kops's
 * ProjectIAMBinding), kept in the project's IAM policy by read-modify-write with its etag, so
 * the other bindings of the policy (and the other members of the role) are never touched.
 * Discovery reads the policy once and keeps the members that are the cluster's accounts.
 */

import { taskConstructor } from '../../../src/engine/task.js';
import type { GceContext } from '../context.js';
import type { Binding } from '../iam-api.js';
import { accountIdOf, isClusterMember } from '../iam-names.js';
import { gceKind } from './gce-kind.js';

export interface ProjectIamMemberFields {
  /** `roles/…` */
  readonly role: string;
  /** `serviceAccount:<email>` */
  readonly member: string;
}

export const projectIamMemberTask = taskConstructor<ProjectIamMemberFields>('ProjectIamMember');

/** `<account id>:<role>`: the task's name, and the live one. */
export const projectMemberName = (accountId: string, role: string): string => `${accountId}:${role}`;

interface Member {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly role: string;
  readonly member: string;
}

function members(ctx: GceContext, bindings: readonly Binding[]): Member[] {
  // Only unconditional bindings: hoist makes no conditional one on the project.
  return bindings.flatMap((b) =>
    b.condition
      ? []
      : b.members
          .filter((m) => isClusterMember(m, ctx.cluster, ctx.project))
          .map((m) => {
            const name = projectMemberName(accountIdOf(m.slice('serviceAccount:'.length), ctx.project)!, b.role);
            return { id: name, name, description: ctx.description, role: b.role, member: m };
          }),
  );
}

const PROJECT = { kind: 'project' } as const;

export const projectIamMemberKind = gceKind<Member, ProjectIamMemberFields>({
  kind: 'ProjectIamMember',
  uses: ['ServiceAccount'],
  list: async (ctx) => members(ctx, (await ctx.iam.policy(PROJECT)).bindings ?? []),
  read: async (ctx, name) => members(ctx, (await ctx.iam.policy(PROJECT)).bindings ?? []).find((m) => m.name === name),
  fields: (m) => ({ role: m.role, member: m.member }),
  async insert(ctx, _name, d) {
    await ctx.iam.modify(PROJECT, (bindings) => {
      const at = bindings.findIndex((b) => b.role === d.role && !b.condition);
      if (at >= 0 && bindings[at]!.members.includes(d.member)) return undefined;
      if (at < 0) return [...bindings, { role: d.role, members: [d.member] }];
      return bindings.map((b, i) => (i === at ? { ...b, members: [...b.members, d.member] } : b));
    });
  },
  async remove(ctx, live) {
    const d = live.fields;
    await ctx.iam.modify(PROJECT, (bindings) => {
      const holds = (b: Binding): boolean => b.role === d.role && !b.condition && b.members.includes(d.member);
      if (!bindings.some(holds)) return undefined;
      return bindings.map((b) => (holds(b) ? { ...b, members: b.members.filter((m) => m !== d.member) } : b));
    });
  },
  immutable: 'all',
});
