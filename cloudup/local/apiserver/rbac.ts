/**
 * RBAC as kube-apiserver evaluates it: the rules of every ClusterRole bound by a
 * ClusterRoleBinding to the user (or one of its groups), and in a namespace also those of the
 * Roles and ClusterRoles bound there by RoleBindings. A rule allows when its apiGroups,
 * resources (`plural` or `plural/subresource`), verbs and resourceNames match, `*` matching
 * anything; nonResourceURLs rules allow paths (a trailing `*` is a prefix). Aggregated
 * ClusterRoles are not assembled: a ClusterRole counts with the rules it holds.
 */

import type { UserInfo } from './authn.js';
import type { KubeObject } from './storage.js';

export interface Attributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** A request for a path that is no resource (/version, /healthz …). */
  readonly path?: string;
}

export interface RbacObjects {
  readonly clusterRoles: readonly KubeObject[];
  readonly clusterRoleBindings: readonly KubeObject[];
  readonly roles: readonly KubeObject[];
  readonly roleBindings: readonly KubeObject[];
}

interface Rule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs?: string[];
  readonly resourceNames?: string[];
  readonly nonResourceURLs?: string[];
}

interface Subject {
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}

const has = (list: readonly string[] | undefined, value: string): boolean => list !== undefined && (list.includes('*') || list.includes(value));

function ruleAllows(rule: Rule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.path !== undefined) {
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path !== undefined && a.path.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.apiGroups, a.group)) return false;
  const resource = a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`;
  const resources = rule.resources ?? [];
  const matches = resources.includes('*') || resources.includes(resource) || (a.subresource !== undefined && resources.includes(`*/${a.subresource}`));
  if (!matches) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

function subjectMatches(s: Subject, user: UserInfo): boolean {
  if (s.kind === 'User') return s.name === user.name;
  if (s.kind === 'Group') return s.name !== undefined && user.groups.includes(s.name);
  if (s.kind === 'ServiceAccount') return user.name === `system:serviceaccount:${s.namespace ?? ''}:${s.name ?? ''}`;
  return false;
}

const nameOf = (o: KubeObject): string => String(o.metadata?.name ?? '');
const namespaceOf = (o: KubeObject): string => String(o.metadata?.namespace ?? '');
const rulesOf = (o: KubeObject | undefined): Rule[] => (Array.isArray(o?.rules) ? (o.rules as Rule[]) : []);
const boundTo = (b: KubeObject, user: UserInfo): boolean => Array.isArray(b.subjects) && (b.subjects as Subject[]).some((s) => subjectMatches(s, user));

/** The binding whose rules allow the request, or undefined. */
export function rbacAllows(objects: RbacObjects, user: UserInfo, a: Attributes): string | undefined {
  const clusterRole = (name: string) => objects.clusterRoles.find((r) => nameOf(r) === name);
  for (const b of objects.clusterRoleBindings) {
    if (!boundTo(b, user)) continue;
    const ref = (b.roleRef ?? {}) as { kind?: string; name?: string };
    if (ref.kind === 'ClusterRole' && rulesOf(clusterRole(ref.name ?? '')).some((r) => ruleAllows(r, a))) {
      return `RBAC: allowed by ClusterRoleBinding "${nameOf(b)}" of ClusterRole "${ref.name ?? ''}" to User "${user.name}"`;
    }
  }
  if (a.namespace === undefined || a.path !== undefined) return undefined;
  for (const b of objects.roleBindings) {
    if (namespaceOf(b) !== a.namespace || !boundTo(b, user)) continue;
    const ref = (b.roleRef ?? {}) as { kind?: string; name?: string };
    const role = ref.kind === 'ClusterRole' ? clusterRole(ref.name ?? '') : objects.roles.find((r) => nameOf(r) === ref.name && namespaceOf(r) === a.namespace);
    if (rulesOf(role).some((r) => ruleAllows(r, a))) {
      return `RBAC: allowed by RoleBinding "${nameOf(b)}/${a.namespace}" of ${ref.kind ?? 'Role'} "${ref.name ?? ''}" to User "${user.name}"`;
    }
  }
  return undefined;
}
