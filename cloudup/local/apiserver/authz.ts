/**
 * Who may do what, in kube-apiserver's order (`--authorization-mode=Node,RBAC`): the group
 * `system:masters` may do everything; a node may do what the Node authorizer lets a kubelet do
 * (object-level NodeRestriction checks are in node-restriction.ts); bootstrappers may create
 * and read their CertificateSigningRequests; everyone authenticated may read discovery and
 * health and review their own access; everything else is what stored RBAC objects grant.
 */

import type { UserInfo } from './authn.js';
import { rbacAllows } from './rbac.js';
import type { Attributes, RbacObjects } from './rbac.js';

export type { Attributes } from './rbac.js';

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

const READ = ['get', 'list', 'watch'];
const PUBLIC_PATHS = ['/healthz', '/livez', '/readyz', '/version'];
const DISCOVERY = /^\/(api|apis|openapi)(\/|$)/;

/** The node's name when the user is a node's credential (`system:node:<name>` in `system:nodes`). */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes('system:nodes') || !user.name.startsWith('system:node:')) return undefined;
  return user.name.slice('system:node:'.length);
}

/** What the Node authorizer allows a kubelet, by resource and name; object checks come later. */
function nodeAllows(node: string, a: Attributes): boolean {
  const r = a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`;
  const read = READ.includes(a.verb);
  const write = ['create', 'update', 'patch'].includes(a.verb);
  switch (a.group === '' ? r : `${a.group}:${r}`) {
    case 'nodes':
      return read || ((write || a.verb === 'delete') && (a.name === undefined ? a.verb === 'create' : a.name === node));
    case 'nodes/status':
      return (a.verb === 'update' || a.verb === 'patch') && a.name === node;
    case 'pods':
      // Mirror pods of its static pods: created and deleted only bound to itself (node-restriction.ts).
      return read || a.verb === 'create' || a.verb === 'delete';
    case 'pods/status':
      return a.verb === 'update' || a.verb === 'patch';
    case 'pods/eviction':
      return a.verb === 'create';
    case 'services':
    case 'namespaces':
      return read;
    case 'configmaps':
    case 'secrets':
      // Only those its pods use (node-restriction.ts).
      return a.verb === 'get';
    case 'events':
      return write;
    case 'coordination.k8s.io:leases':
      return a.namespace === 'kube-node-lease' && (a.name === undefined ? a.verb === 'create' : a.name === node) && (read || write || a.verb === 'delete');
    case 'certificates.k8s.io:certificatesigningrequests':
      return a.verb === 'create' || read;
    default:
      return false;
  }
}

export async function authorize(user: UserInfo, a: Attributes, loadRbac: () => Promise<RbacObjects>): Promise<Decision> {
  if (user.groups.includes('system:masters')) return { allowed: true, reason: 'the group system:masters may do everything' };
  const authenticated = user.groups.includes('system:authenticated');
  if (a.path !== undefined && a.verb === 'get') {
    if (PUBLIC_PATHS.includes(a.path)) return { allowed: true, reason: 'health and version are public' };
    if (authenticated && DISCOVERY.test(a.path)) return { allowed: true, reason: 'discovery is open to every authenticated user' };
  }
  if (authenticated && a.group === 'authorization.k8s.io' && a.resource === 'selfsubjectaccessreviews' && a.verb === 'create') {
    return { allowed: true, reason: 'every authenticated user may review its own access' };
  }
  const node = nodeNameOf(user);
  if (node !== undefined && a.path === undefined && nodeAllows(node, a)) return { allowed: true, reason: `the Node authorizer allows node "${node}"` };
  if (user.groups.includes('system:bootstrappers') && a.group === 'certificates.k8s.io' && a.resource === 'certificatesigningrequests' && a.subresource === undefined && (a.verb === 'create' || READ.includes(a.verb))) {
    return { allowed: true, reason: 'bootstrappers may create and read certificate signing requests' };
  }
  const byRbac = rbacAllows(await loadRbac(), user, a);
  if (byRbac !== undefined) return { allowed: true, reason: byRbac };
  return { allowed: false, reason: '' };
}
