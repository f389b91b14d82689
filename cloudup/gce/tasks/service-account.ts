/**
 * ServiceAccount: an IAM service account that a role's machines run as (the control plane's, or
 * one node group's), named `<who>-<cluster hash>` (iam-names.ts). IAM accounts have no labels:
 * the cluster's carry its mark as their description, which discovery matches. Output: `email`,
 * which the instance templates and the IAM bindings name.
 */

import { taskConstructor } from '../../../src/engine/task.js';
import type { GceContext } from '../context.js';
import type { ServiceAccount } from '../iam-api.js';
import { accountEmail } from '../iam-names.js';
import { gceKind } from './gce-kind.js';

export interface ServiceAccountFields {
  /** What the console shows: whose account it is. */
  readonly displayName: string;
}

export const serviceAccountTask = taskConstructor<ServiceAccountFields>('ServiceAccount');

/** An account as the kinds see it: named by its account id (the task's name). */
interface Account {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly description?: string;
  readonly displayName?: string;
}

function asAccount(a: ServiceAccount): Account {
  return { id: a.uniqueId, name: a.email.slice(0, a.email.indexOf('@')), email: a.email, ...(a.description === undefined ? {} : { description: a.description }), ...(a.displayName === undefined ? {} : { displayName: a.displayName }) };
}

const emailOf = (ctx: GceContext, id: string): string => accountEmail(id, ctx.project);

export const serviceAccountKind = gceKind<Account, ServiceAccountFields>({
  kind: 'ServiceAccount',
  uses: [],
  list: async (ctx) => (await ctx.iam.listAccounts()).filter((a) => a.description === ctx.description).map(asAccount),
  read: async (ctx, name) => {
    const found = await ctx.iam.getAccount(emailOf(ctx, name));
    return found && asAccount(found);
  },
  fields: (a) => ({ displayName: a.displayName ?? '' }),
  outputs: (a) => ({ email: a.email }),
  async insert(ctx, name, d) {
    await ctx.iam.createAccount(name, { displayName: d.displayName, description: ctx.description });
  },
  async remove(ctx, live) {
    await ctx.iam.deleteAccount(emailOf(ctx, live.name));
  },
  // A new display name is a new account: IAM's patch is not worth a kind of its own for a label.
  immutable: 'all',
});
