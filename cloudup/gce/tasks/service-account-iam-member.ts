/**
 * ServiceAccountIamMember: `roles/iam.workloadIdentityUser` on a GCP service account (its own
 * IAM policy) for the principal of one Kubernetes service account of the cluster,
 * `principal://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/subject/system:serviceaccount:<ns>:<name>`:
 * a pod with that service account's token, exchanged at GCP's STS through the cluster's
 * provider, may act as the GCP account. Kept by read-modify-write with the policy's etag, so
 * other bindings and members are never touched. Discovery reads the policy of each account the
 * spec or the last applied spec names and keeps the members of the cluster's pool.
 */

import type { LiveObject, TaskKind } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { ValidationError } from '../../../src/errors.js';
import type { GceContext } from '../context.js';
import { isNotFound, toEngineError } from '../errors.js';
import type { Binding } from '../iam-api.js';
import { WORKLOAD_IDENTITY_USER, principalPrefix } from '../workload-identity-names.js';

export interface ServiceAccountIamMemberFields {
  /** The GCP service account's email. */
  readonly serviceAccount: string;
  readonly role: string;
  /** `principal://…/subject/system:serviceaccount:<ns>:<name>` */
  readonly member: string;
}

export const serviceAccountIamMemberTask = taskConstructor<ServiceAccountIamMemberFields>('ServiceAccountIamMember');

/** `<email>:system:serviceaccount:<ns>:<name>`: the task's name, and the live one. */
export const accountMemberName = (email: string, subject: string): string => `${email}:${subject}`;

const holds = (b: Binding, d: ServiceAccountIamMemberFields): boolean => b.role === d.role && b.condition === undefined && b.members.includes(d.member);

export const serviceAccountIamMemberKind: TaskKind<GceContext> = {
  kind: 'ServiceAccountIamMember',
  uses: ['WorkloadIdentityPool', 'WorkloadIdentityPoolProvider'],
  async discover(ctx) {
    const wi = ctx.workloadIdentity;
    if (!wi) return [];
    const prefix = principalPrefix(wi.projectNumber, wi.pool);
    // One read per account, the current spec's entry first (its path is the one a problem names).
    const emails = [...new Map([...wi.accounts].reverse().map((a) => [a.email, a])).values()];
    const found = await Promise.all(
      emails.map(async ({ email, path, previous }) => {
        try {
          return { email, bindings: (await ctx.iam.policy({ kind: 'serviceAccount', email })).bindings ?? [] };
        } catch (e) {
          if (!isNotFound(e)) throw e;
          if (!ctx.mode.reconciling || previous === true) return { email, bindings: [] };
          throw new ValidationError(`cluster ${ctx.cluster}`, [{ path, value: email, message: 'is no service account GCP knows (or hoist may not read its IAM policy)', fix: 'create it first (gcloud iam service-accounts create), or name an existing one' }]);
        }
      }),
    );
    return found.flatMap(({ email, bindings }): LiveObject[] =>
      bindings.flatMap((b) =>
        b.role !== WORKLOAD_IDENTITY_USER || b.condition
          ? []
          : b.members
              .filter((m) => m.startsWith(prefix))
              .map((m) => {
                const name = accountMemberName(email, m.slice(prefix.length));
                const fields: ServiceAccountIamMemberFields = { serviceAccount: email, role: b.role, member: m };
                return { id: name, name, fields: { ...fields }, outputs: { id: name } };
              }),
      ),
    );
  },
  checkChanges: (_live, changes) => (changes.length > 0 ? { replaceReason: `a ServiceAccountIamMember cannot change (${changes[0]!.path})` } : {}),
  async create(ctx, task, resolved) {
    const d = resolved as unknown as ServiceAccountIamMemberFields;
    try {
      await ctx.iam.modify({ kind: 'serviceAccount', email: d.serviceAccount }, (bindings) => {
        if (bindings.some((b) => holds(b, d))) return undefined;
        const at = bindings.findIndex((b) => b.role === d.role && b.condition === undefined);
        if (at < 0) return [...bindings, { role: d.role, members: [d.member] }];
        return bindings.map((b, i) => (i === at ? { ...b, members: [...b.members, d.member] } : b));
      });
    } catch (e) {
      throw toEngineError(e);
    }
    return { id: task.name, name: task.name, fields: { ...d }, outputs: { id: task.name } };
  },
  update: (_ctx, _task, live) => Promise.resolve(live),
  async delete(ctx, live) {
    const d = live.fields as unknown as ServiceAccountIamMemberFields;
    try {
      await ctx.iam.modify({ kind: 'serviceAccount', email: d.serviceAccount }, (bindings) => {
        if (!bindings.some((b) => holds(b, d))) return undefined;
        return bindings.map((b) => (holds(b, d) ? { ...b, members: b.members.filter((m) => m !== d.member) } : b));
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw toEngineError(e);
    }
  },
};
