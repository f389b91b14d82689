/**
 * The spec rules of growing and shrinking the control plane: members may be added and removed
 * once the cluster exists; a change that keeps no member, a renamed member and an even count
 * are refused with the field path, the value and a fix.
 */

import { describe, expect, it } from 'vitest';
import { validateUpdate } from '../../src/api/index.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { cluster, group, validate } from '../api/fixtures.js';

const cp = (zone: string) => group(`control-plane-${zone}`, { role: 'ControlPlane', subnets: [zone] });
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const subnets = ZONES.map((z) => ({ name: z, zone: z, type: 'Public' as const }));

/** A cluster whose etcd clusters have these members (`name@zone`), and its control-plane groups. */
function set(...members: string[]): { cluster: Cluster; instanceGroups: InstanceGroup[] } {
  const etcdMembers = members.map((m) => {
    const [name, zone] = m.split('@') as [string, string];
    return { name, instanceGroup: `control-plane-${zone}` };
  });
  const zones = [...new Set(members.map((m) => m.split('@')[1]!))];
  return {
    cluster: cluster({ subnets, etcdClusters: ['main', 'events'].map((name) => ({ name, etcdMembers })) }),
    instanceGroups: [...zones.map(cp), group('nodes')],
  };
}

const problems = (before: ReturnType<typeof set>, after: ReturnType<typeof set>) => [...validate(after.cluster, after.instanceGroups), ...validateUpdate(before, after)];

describe('scaling the control plane in the spec', () => {
  it('accepts growing 1 → 3 and shrinking 3 → 1', () => {
    const one = set('a@us-east-1a');
    const three = set('a@us-east-1a', 'b@us-east-1b', 'c@us-east-1c');
    expect(problems(one, three)).toEqual([]);
    expect(problems(three, one)).toEqual([]);
    // Any member may stay, not only the first.
    expect(problems(three, set('c@us-east-1c'))).toEqual([]);
  });

  it('refuses a change that keeps none of the members, naming them and the fix', () => {
    const found = problems(set('a@us-east-1a'), set('b@us-east-1b', 'c@us-east-1c', 'd@us-east-1a'));
    const keepNone = found.filter((p) => p.path === 'spec.etcdClusters[0].etcdMembers' && p.message.startsWith('keeps none'));
    expect(keepNone).toHaveLength(1);
    expect(keepNone[0]!.value).toEqual(['b', 'c', 'd']);
    expect(keepNone[0]!.fix).toContain('keep at least one of a');
  });

  it('refuses renaming a member on its group', () => {
    const found = validateUpdate(set('a@us-east-1a', 'b@us-east-1b', 'c@us-east-1c'), set('a@us-east-1a', 'x@us-east-1b', 'c@us-east-1c'));
    expect(found.map((p) => p.path)).toEqual(['spec.etcdClusters[0].etcdMembers[1].name', 'spec.etcdClusters[1].etcdMembers[1].name']);
    expect(found[0]).toMatchObject({ value: 'x', message: expect.stringContaining('renames member b of group control-plane-us-east-1b'), fix: expect.stringContaining('keep the name b') });
  });

  it('refuses removing all members, and an even count, with the counts that work', () => {
    const three = set('a@us-east-1a', 'b@us-east-1b', 'c@us-east-1c');
    const none = { cluster: cluster({ subnets, etcdClusters: ['main', 'events'].map((name) => ({ name, etcdMembers: [] })) }), instanceGroups: three.instanceGroups };
    expect(problems(three, none).find((p) => p.path === 'spec.etcdClusters[0].etcdMembers')?.fix).toBe('add a member on a control-plane group');
    const two = problems(three, set('a@us-east-1a', 'b@us-east-1b'));
    expect(two.find((p) => p.path === 'spec.etcdClusters[0].etcdMembers')).toMatchObject({ value: ['a', 'b'], fix: 'use 1 or 3 members (one per control-plane group)' });
  });
});
