/**
 * Cluster validation: every instance group at its target size, every instance Ready with the
 * configuration it was booted with, and the API answering through its load balancer. A failure
 * names the machine and what it last reported, so nobody has to log in to find out why.
 */

import type { RollingCloud, RollingGroup } from './types.js';

export interface ValidationFailure {
  readonly kind: 'group' | 'instance' | 'api';
  readonly name: string;
  readonly message: string;
}

export interface GroupHealth {
  readonly name: string;
  readonly role: string;
  readonly desired: number;
  readonly instances: number;
  readonly ready: number;
}

export interface ClusterValidation {
  readonly valid: boolean;
  readonly failures: readonly ValidationFailure[];
  readonly groups: readonly GroupHealth[];
}

export async function validateCluster(cloud: RollingCloud, only?: (g: RollingGroup) => boolean): Promise<ClusterValidation> {
  const [groups, api] = await Promise.all([cloud.groups(), cloud.apiProblem()]);
  const failures: ValidationFailure[] = [];
  const health: GroupHealth[] = [];
  for (const g of groups.filter((x) => only?.(x) ?? true)) {
    const members = g.instances.filter((i) => !i.detached && i.state !== 'terminated' && i.state !== 'stopping');
    const ready = members.filter((i) => i.ready).length;
    health.push({ name: g.name, role: g.role, desired: g.desired, instances: members.length, ready });
    if (members.length !== g.desired) failures.push({ kind: 'group', name: g.name, message: `has ${members.length} instances, wants ${g.desired}` });
    for (const i of members.filter((m) => !m.ready)) {
      const why = [i.phase && `phase ${i.phase}`, i.lastError && `last error: ${i.lastError}`].filter(Boolean).join('; ');
      failures.push({ kind: 'instance', name: i.id, message: `of group ${g.name} is not ready (${i.state}${why ? `; ${why}` : ''})` });
    }
  }
  if (api !== undefined) failures.push({ kind: 'api', name: 'api', message: api });
  return { valid: failures.length === 0, failures, groups: health };
}
