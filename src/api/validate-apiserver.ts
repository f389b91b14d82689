/**
 * The rules of kops's APIServer role: machines that run the API server (and a kubelet) on the
 * control plane's etcd, behind the API load balancer. They need a control plane to store in and
 * the control plane's subnets, which the load balancer covers and from which the control plane's
 * etcd is reached. (The clouds that take the role always put the API behind a load balancer:
 * aws refuses api.dns, the local cloud's API is its load balancer.)
 */

import type { FieldProblem } from '../errors.js';
import type { CompletedCluster, CompletedInstanceGroup } from './defaults.js';
import { instanceGroupPath } from './paths.js';

export function apiServerGroupProblems(cluster: CompletedCluster, igs: readonly CompletedInstanceGroup[]): FieldProblem[] {
  const groups = igs.filter((ig) => ig.spec.role === 'APIServer');
  if (groups.length === 0) return [];
  const plane = igs.filter((ig) => ig.spec.role === 'ControlPlane');
  // No control plane is reported once, for every group (validate-groups.ts).
  if (plane.length === 0) return [];
  const problems: FieldProblem[] = [];
  const planeSubnets = [...new Set(plane.flatMap((ig) => ig.spec.subnets))].sort();
  const utility = new Set(cluster.spec.subnets.filter((s) => s.type === 'Utility').map((s) => s.name));
  for (const ig of groups) {
    ig.spec.subnets.forEach((name, i) => {
      const at = instanceGroupPath(ig.metadata.name, ['spec', 'subnets', i]);
      if (utility.has(name)) {
        problems.push({ path: at, value: name, message: 'is a Utility subnet (load balancers, NAT, bastions); an APIServer group runs where the control plane does', fix: `use a control-plane subnet: ${planeSubnets.join(', ')}` });
      } else if (cluster.spec.subnets.some((s) => s.name === name) && !planeSubnets.includes(name)) {
        problems.push({ path: at, value: name, message: 'is not a subnet of the control plane: the API load balancer serves the control plane\'s subnets, and etcd is reached from them', fix: `use one of: ${planeSubnets.join(', ')}` });
      }
    });
  }
  return problems;
}
