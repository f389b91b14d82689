/**
 * Names of a cluster's service accounts. An account id is 6 to 30 characters
 * (`[a-z][-a-z0-9]{4,28}[a-z0-9]`) and unique in the project, so it cannot hold a cluster's
 * name: each ends in `-<8 hex>` of a hash of the cluster's name, which is also how the bindings
 * of the cluster's accounts are told apart from everyone else's in a policy (policies have no
 * labels or descriptions). The part before it says whose account it is: `control-plane` for
 * every control-plane group (they share one, as kops has it), else the group's name.
 */

import { createHash } from 'node:crypto';

const MAX = 30;

/** `-` and 8 hex digits of the cluster's name: every account of the cluster ends so. */
export function clusterSuffix(cluster: string): string {
  return `-${createHash('sha256').update(cluster).digest('hex').slice(0, 8)}`;
}

function cleaned(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/** `role`: the control plane's account, or a node or bastion group's own. */
export function accountId(cluster: string, who: { readonly controlPlane: true } | { readonly group: string }): string {
  const room = MAX - clusterSuffix(cluster).length;
  let head = 'controlPlane' in who ? 'control-plane' : cleaned(who.group);
  // A group named like the control plane's account keeps one of its own (as its AWS role does).
  if ('group' in who && head === 'control-plane') head = 'control-plane-ig';
  if (!/^[a-z]/.test(head)) head = `g${head}`;
  if (head !== ('group' in who ? who.group : head) || head.length > room) {
    // A name changed or cut by the rules gets a hash of the group's own, so two groups never share one.
    const tag = createHash('sha256').update('group' in who ? who.group : head).digest('hex').slice(0, 4);
    head = `${head.slice(0, room - 5).replace(/-+$/, '')}-${tag}`;
  }
  return `${head}${clusterSuffix(cluster)}`;
}

export function accountEmail(id: string, project: string): string {
  return `${id}@${project}.iam.gserviceaccount.com`;
}

/** The id of an account email of the project, or undefined for another project's or a Google-managed one. */
export function accountIdOf(email: string, project: string): string | undefined {
  const suffix = `@${project}.iam.gserviceaccount.com`;
  return email.endsWith(suffix) ? email.slice(0, -suffix.length) : undefined;
}

/** A policy member that is one of the cluster's accounts (`serviceAccount:<id>-<suffix>@P.iam…`). */
export function isClusterMember(member: string, cluster: string, project: string): boolean {
  if (!member.startsWith('serviceAccount:')) return false;
  const id = accountIdOf(member.slice('serviceAccount:'.length), project);
  return id !== undefined && id.endsWith(clusterSuffix(cluster));
}

export const memberOf = (email: string): string => `serviceAccount:${email}`;

/**
 * The condition title of a bucket binding of an existing account the spec names
 * (`spec.cloudConfig.gceServiceAccount`): its email is not the cluster's to recognise, so the title says
 * whose binding it is.
 */
export const sharedAccountTitle = (cluster: string): string => `hoist-shared${clusterSuffix(cluster)}`;
