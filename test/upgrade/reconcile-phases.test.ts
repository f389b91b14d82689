/**
 * The reconcile's rules on their own: the phase order of each direction (control plane first on
 * an upgrade, nodes first on a downgrade, an APIServer group between them when there is one),
 * which groups each phase takes, and when a rerun continues an interrupted reconcile.
 */

import { describe, expect, it } from 'vitest';
import { liveDirection } from '../../cloudup/upgrade/live-kubelets.js';
import { inPhase, phaseGroups, reconcilePhases } from '../../cloudup/upgrade/order.js';
import type { ReconcileRecord } from '../../cloudup/upgrade/record.js';
import { continues, versionsOf } from '../../cloudup/upgrade/record.js';

const groups = [
  { name: 'nodes-b', role: 'Node' },
  { name: 'bastions', role: 'Bastion' },
  { name: 'cp-1', role: 'ControlPlane' },
  { name: 'nodes-a', role: 'Node' },
  { name: 'apiservers', role: 'APIServer' },
] as const;

describe('reconcile phases', () => {
  it('goes control plane, API servers, nodes on an upgrade and on a change without a version change', () => {
    for (const d of ['upgrade', 'none'] as const) expect(reconcilePhases(d).map((p) => p.name)).toEqual(['control-plane', 'apiserver', 'nodes']);
  });

  it('goes nodes, API servers, control plane on a downgrade', () => {
    expect(reconcilePhases('downgrade').map((p) => p.name)).toEqual(['nodes', 'apiserver', 'control-plane']);
  });

  it('puts every role in exactly one phase, bastions with the nodes', () => {
    for (const g of groups) expect(reconcilePhases('upgrade').filter((p) => inPhase(p, g as never))).toHaveLength(1);
    expect(phaseGroups('downgrade', groups as never)).toEqual([
      { phase: 'nodes', groups: ['bastions', 'nodes-a', 'nodes-b'] },
      { phase: 'apiserver', groups: ['apiservers'] },
      { phase: 'control-plane', groups: ['cp-1'] },
    ]);
  });
});

describe('a rerun of reconcile', () => {
  const to = versionsOf({ kubernetesVersion: '1.35.0', etcdClusters: [{ name: 'main', version: '3.4.23' }] });
  const record: ReconcileRecord = { from: { kubernetesVersion: '1.34.0' }, to, direction: 'upgrade', startedAt: 't', updatedAt: 't', applied: true, phasesDone: ['control-plane'] };

  it('continues an unfinished reconcile toward the same versions', () => {
    expect(continues(record, { kubernetesVersion: '1.35.0', etcdClusters: [{ name: 'main', version: '3.4.23' }] })).toBe(true);
  });

  it('starts over after a finished one, or when the spec now names other versions', () => {
    expect(continues({ ...record, finishedAt: 't2' }, to)).toBe(false);
    expect(continues(record, { ...to, kubernetesVersion: '1.34.0' })).toBe(false);
    expect(continues(record, { ...to, etcdClusters: [{ name: 'main', version: '3.5.0' }] })).toBe(false);
    expect(continues(undefined, to)).toBe(false);
  });
});

describe('the direction the Ready kubelets give when the applied spec is the target already', () => {
  it('is a downgrade when one runs newer than the target, an upgrade when one runs older, else none', () => {
    expect(liveDirection(['v1.35.0', 'v1.34.0'], '1.34.0')).toBe('downgrade');
    expect(liveDirection(['v1.34.0', 'v1.34.0'], '1.35.0')).toBe('upgrade');
    expect(liveDirection(['v1.34.1'], '1.34.0')).toBe('downgrade');
    expect(liveDirection(['v1.35.0'], 'v1.35.0')).toBe('none');
    expect(liveDirection([], '1.35.0')).toBe('none');
    expect(liveDirection(['not a version'], '1.35.0')).toBe('none');
  });
});
