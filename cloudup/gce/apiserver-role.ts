/**
 * kops's APIServer role is refused on gce: hoist's GCE API is a target pool (external) or a
 * regional backend service (internal) whose members are the control plane's instance groups,
 * found by the control plane's network tag, and the firewall rules that open etcd are written
 * for that tag alone. Serving from another group would need both, which are not done.
 */

import { instanceGroupPath } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import type { FieldProblem } from '../../src/errors.js';

export function apiServerRoleProblems(spec: CompletedSpec): FieldProblem[] {
  return spec.instanceGroups
    .filter((ig) => ig.spec.role === 'APIServer')
    .map((ig) => ({
      path: instanceGroupPath(ig.metadata.name, ['spec', 'role']),
      value: 'APIServer',
      message: 'is not supported on gce: the API\'s target pool and backend service serve only the control plane\'s groups',
      fix: 'use role ControlPlane on gce (more control-plane machines serve more API traffic), or run APIServer groups on aws or the local cloud',
    }));
}
