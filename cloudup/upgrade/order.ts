/**
 * The order in which `reconcile cluster` rolls its instance groups, from the Kubernetes
 * version-skew policy: no kubelet may be newer than an API server, and no API server newer than
 * the control plane's. An upgrade therefore goes control plane first, then API-server-only
 * groups, then bastions and nodes; a downgrade goes the other way round. A change that keeps
 * the version (configuration only) takes the upgrade's order. Pure, so the rule is tested alone.
 */

import type { RollingGroup } from '../rolling/types.js';

export type Direction = 'upgrade' | 'downgrade' | 'none';

export type PhaseName = 'control-plane' | 'apiserver' | 'nodes';

export interface Phase {
  readonly name: PhaseName;
  /** The instance-group roles the phase rolls. `APIServer` is matched when the spec has the role. */
  readonly roles: readonly string[];
}

const CONTROL_PLANE: Phase = { name: 'control-plane', roles: ['ControlPlane'] };
const APISERVER: Phase = { name: 'apiserver', roles: ['APIServer'] };
const NODES: Phase = { name: 'nodes', roles: ['Bastion', 'Node'] };

export function reconcilePhases(direction: Direction): readonly Phase[] {
  return direction === 'downgrade' ? [NODES, APISERVER, CONTROL_PLANE] : [CONTROL_PLANE, APISERVER, NODES];
}

/** Whether a group belongs to a phase. Roles are compared as text: a role added later (APIServer) needs no change here. */
export function inPhase(phase: Phase, group: Pick<RollingGroup, 'role'>): boolean {
  return phase.roles.includes(group.role as string);
}

/** The groups each phase rolls, by name, in order: what a preview shows. */
export function phaseGroups(direction: Direction, groups: readonly Pick<RollingGroup, 'name' | 'role'>[]): { readonly phase: PhaseName; readonly groups: readonly string[] }[] {
  return reconcilePhases(direction).map((p) => ({ phase: p.name, groups: groups.filter((g) => inPhase(p, g)).map((g) => g.name).sort() }));
}
