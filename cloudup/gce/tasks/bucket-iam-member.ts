/**
 * BucketIamMember: one role on the state store's bucket for one of the cluster's service
 * accounts, narrowed by an IAM Condition on the objects' names (`resource.name.startsWith(…)`),
 * which GCS accepts on buckets with uniform bucket-level access. Kept in the bucket's IAM policy
 * (version 3) by read-modify-write with its etag: other bindings, and other members of the same
 * role and condition, are never touched. Found only when the store is on GCS.
 */

import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import type { GceContext } from '../context.js';
import { errorInfo } from '../errors.js';
import type { Binding, Condition } from '../iam-api.js';
import { accountIdOf, isClusterMember, sharedAccountTitle } from '../iam-names.js';
import { gceKind } from './gce-kind.js';

export interface BucketIamMemberFields {
  readonly bucket: string;
  /** `roles/storage.…` */
  readonly role: string;
  /** `serviceAccount:<email>` */
  readonly member: string;
  readonly condition: { readonly title: string; readonly description: string; readonly expression: string };
}

export const bucketIamMemberTask = taskConstructor<BucketIamMemberFields>('BucketIamMember');

/** `<account id>:<role>` (an existing account's email for the id): each account holds a role on the bucket once. */
export const bucketMemberName = (accountId: string, role: string): string => `${accountId}:${role}`;

interface Member {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly fields: BucketIamMemberFields;
}

/** The cluster's accounts, and an existing account in a binding whose condition says it is the cluster's. */
function members(ctx: GceContext, bucket: string, bindings: readonly Binding[]): Member[] {
  const shared = sharedAccountTitle(ctx.cluster);
  return bindings.flatMap((b) =>
    b.members
      .filter((m) => isClusterMember(m, ctx.cluster, ctx.project) || (m.startsWith('serviceAccount:') && b.condition?.title === shared))
      .map((m) => {
        const email = m.slice('serviceAccount:'.length);
        const name = bucketMemberName(isClusterMember(m, ctx.cluster, ctx.project) ? accountIdOf(email, ctx.project)! : email, b.role);
        const c = b.condition ?? { title: '', expression: '' };
        return { id: name, name, description: ctx.description, fields: { bucket, role: b.role, member: m, condition: { title: c.title, description: c.description ?? '', expression: c.expression } } };
      }),
  );
}

const sameCondition = (a: Condition | undefined, b: Condition): boolean => a !== undefined && a.title === b.title && a.expression === b.expression && (a.description ?? '') === (b.description ?? '');

/** GCS refuses conditions on a bucket with fine-grained (ACL) access: say what to change. */
function explained(e: unknown, bucket: string): unknown {
  const info = errorInfo(e);
  if (info.status === 400 && /uniform bucket-level access/i.test(info.message)) {
    return new HoistError('INVALID_SPEC', `the state store's bucket gs://${bucket} does not have uniform bucket-level access, which GCS needs for the IAM Conditions that let each node group read only its own configuration`, {
      cause: e,
      hint: `turn it on (gcloud storage buckets update gs://${bucket} --uniform-bucket-level-access), then run update cluster again`,
    });
  }
  return e;
}

export const bucketIamMemberKind = gceKind<Member, BucketIamMemberFields>({
  kind: 'BucketIamMember',
  uses: ['ServiceAccount'],
  async list(ctx) {
    const bucket = ctx.stateBucket;
    if (bucket === undefined) return [];
    return members(ctx, bucket, (await ctx.iam.policy({ kind: 'bucket', bucket })).bindings ?? []);
  },
  async read(ctx, name, at) {
    const bucket = at.bucket ?? ctx.stateBucket;
    if (bucket === undefined) return undefined;
    return members(ctx, bucket, (await ctx.iam.policy({ kind: 'bucket', bucket })).bindings ?? []).find((m) => m.name === name);
  },
  fields: (m) => m.fields,
  async insert(ctx, _name, d) {
    try {
      await ctx.iam.modify({ kind: 'bucket', bucket: d.bucket }, (bindings) => {
        const at = bindings.findIndex((b) => b.role === d.role && sameCondition(b.condition, d.condition));
        if (at >= 0 && bindings[at]!.members.includes(d.member)) return undefined;
        if (at < 0) return [...bindings, { role: d.role, members: [d.member], condition: { ...d.condition } }];
        return bindings.map((b, i) => (i === at ? { ...b, members: [...b.members, d.member] } : b));
      });
    } catch (e) {
      throw explained(e, d.bucket);
    }
  },
  async remove(ctx, live) {
    const d = live.fields;
    await ctx.iam.modify({ kind: 'bucket', bucket: d.bucket }, (bindings) => {
      // Only the binding the live object was found in: a replacement's new one may already be on.
      const found = (b: Binding): boolean => (d.condition.title === '' && d.condition.expression === '' ? b.condition === undefined : sameCondition(b.condition, d.condition));
      const holds = (b: Binding): boolean => b.role === d.role && b.members.includes(d.member) && found(b);
      if (!bindings.some(holds)) return undefined;
      return bindings.map((b) => (holds(b) ? { ...b, members: b.members.filter((m) => m !== d.member) } : b));
    });
  },
  // A new condition is a new binding: the old one is taken off and the new one put on.
  immutable: 'all',
});
