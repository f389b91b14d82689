/**
 * Names of a cluster's AWS objects. Task names are `<thing>.<cluster>` as on every cloud, and
 * are the `Name` tag of what they make. Some AWS names have tight limits (32 characters for load
 * balancers and target groups, 64 for IAM roles): those keep a readable head and a hash of the
 * whole, so that two long cluster names never share one.
 */

import { createHash } from 'node:crypto';
import type { CloudAccount } from '../addons/types.js';

/** IAM objects of a cluster live under this path: one listing finds them, and nothing else. */
export function iamPath(cluster: string): string {
  return `/hoist/${cluster}/`;
}

/** `text` if it fits in `max` characters, else a head of it and 8 hex characters of its hash. */
export function limitName(text: string, max: number): string {
  if (text.length <= max) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${text.slice(0, max - 9).replace(/[-.]+$/, '')}-${hash}`;
}

/** Load balancer and target group names: letters, digits and hyphens, at most 32. */
export function elbName(prefix: string, cluster: string): string {
  return limitName(`${prefix}-${cluster.replace(/[^A-Za-z0-9]+/g, '-')}`, 32).replace(/^-+|-+$/g, '');
}

/** IAM role and instance profile names: at most 64 of `[\w+=,.@-]`. */
export function iamName(name: string): string {
  return limitName(name.replace(/[^\w+=,.@-]/g, '-'), 64);
}

/** kops's name of a service account's IAM role (IRSA), within IAM's 64 characters. */
export function serviceAccountRoleName(sa: { readonly name: string; readonly namespace: string }, cluster: string): string {
  return iamName(`${sa.name}.${sa.namespace}.sa.${cluster}`);
}

/** The ARN of that role in `account`: it lives under the cluster's IAM path. */
export function serviceAccountRoleArn(sa: { readonly name: string; readonly namespace: string }, cluster: string, account: CloudAccount): string {
  return `arn:${account.partition}:iam::${account.id}:role${iamPath(cluster)}${serviceAccountRoleName(sa, cluster)}`;
}
