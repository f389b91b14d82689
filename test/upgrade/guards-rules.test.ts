import { describe, expect, it } from 'vitest';
import { checkVersionChange } from '../../cloudup/upgrade/guards.js';
import type { ClusterSpecLike } from '../../cloudup/upgrade/guards.js';

const NO_SKEW = { allowVersionSkew: false, cluster: 'demo.example.com' };
const spec = (kubernetesVersion: string, etcd?: string): ClusterSpecLike => ({
  kubernetesVersion,
  etcdClusters: [{ name: 'main', ...(etcd === undefined ? {} : { version: etcd }) }, { name: 'events', ...(etcd === undefined ? {} : { version: etcd }) }],
});

describe('checkVersionChange', () => {
  it('lets one minor, a patch or no change through, and says which way it goes', () => {
    expect(checkVersionChange(spec('1.34.0'), spec('1.35.0'), NO_SKEW)).toEqual({ direction: 'upgrade', problems: [], warnings: [] });
    expect(checkVersionChange(spec('1.35.0'), spec('v1.34.0'), NO_SKEW)).toEqual({ direction: 'downgrade', problems: [], warnings: [] });
    expect(checkVersionChange(spec('1.33.0'), spec('1.33.2'), NO_SKEW)).toEqual({ direction: 'upgrade', problems: [], warnings: [] });
    expect(checkVersionChange(spec('1.33.2'), spec('1.33.2'), NO_SKEW)).toEqual({ direction: 'none', problems: [], warnings: [] });
  });

  it('refuses a skip of more than one minor, either way, with the intermediate release as the fix', () => {
    const up = checkVersionChange(spec('1.33.2', '3.6.4'), spec('1.35.0', '3.6.4'), NO_SKEW);
    expect(up.direction).toBe('upgrade');
    expect(up.problems).toEqual([{
      path: 'spec.kubernetesVersion',
      value: '1.35.0',
      message: 'skips a minor: the cluster runs 1.33.2, and Kubernetes changes one minor at a time',
      fix: 'set spec.kubernetesVersion to 1.34.0 first, apply it and roll the machines (hoist reconcile cluster demo.example.com --yes), then go on to 1.35.0',
    }]);
    const down = checkVersionChange(spec('1.35.0', '3.6.5'), spec('1.32.6', '3.6.5'), NO_SKEW);
    expect(down.problems.map((p) => p.fix)).toEqual([expect.stringContaining('set spec.kubernetesVersion to 1.34.0 first')]);
  });

  it('refuses a kubelet newer than the API server, or more than three minors older', () => {
    const newer = checkVersionChange(spec('1.35.0', '3.6.5'), spec('1.34.0', '3.6.5'), { ...NO_SKEW, kubelets: [{ name: 'node a', version: 'v1.35.0' }, { name: 'node b', version: 'v1.34.0' }] });
    expect(newer.problems).toEqual([expect.objectContaining({ path: 'spec.kubernetesVersion', value: '1.34.0', message: expect.stringContaining('kubelets of node a (v1.35.0)'), fix: expect.stringContaining('hoist reconcile cluster demo.example.com --yes does the nodes first') })]);
    const older = checkVersionChange(spec('1.34.0', '3.6.5'), spec('1.35.0', '3.6.5'), { ...NO_SKEW, kubelets: [{ name: 'node c', version: '1.31.1' }] });
    expect(older.problems).toEqual([expect.objectContaining({ message: expect.stringContaining('more than 3 minors newer than the kubelets of node c (1.31.1)') })]);
    // Without kubelets (reconcile rolls the nodes first on a downgrade) the rule is not checked.
    expect(checkVersionChange(spec('1.35.0', '3.6.5'), spec('1.34.0', '3.6.5'), NO_SKEW).problems).toEqual([]);
  });

  it('refuses an etcd downgrade across a minor, pinned or following Kubernetes, with the backup and restore commands', () => {
    const pinned = checkVersionChange(spec('1.35.0', '3.6.5'), spec('1.35.0', '3.5.21'), NO_SKEW);
    expect(pinned.problems.map((p) => p.path)).toEqual(['spec.etcdClusters[0].version', 'spec.etcdClusters[1].version']);
    expect(pinned.problems[0]).toMatchObject({ value: '3.5.21', message: expect.stringContaining('downgrade of etcd/main from 3.6.5 across a minor') });
    for (const command of ['hoist etcd backup demo.example.com --cluster main', 'hoist etcd list-backups demo.example.com --cluster main', 'hoist etcd restore demo.example.com --cluster main --backup ID --yes', 'set spec.etcdClusters[0].version: 3.6.5']) {
      expect(pinned.problems[0]?.fix).toContain(command);
    }
    // 1.34's etcd is 3.6.4, 1.33's is 3.5.21: unpinned, the Kubernetes downgrade takes etcd down a minor.
    const following = checkVersionChange(spec('1.34.0'), spec('1.33.2'), NO_SKEW);
    expect(following.problems[0]).toMatchObject({ path: 'spec.etcdClusters[0].version', value: '3.5.21', message: expect.stringContaining('it is not pinned') });
    // A patch down is what etcd does in place; so is a minor up.
    expect(checkVersionChange(spec('1.35.0', '3.6.5'), spec('1.35.0', '3.6.4'), NO_SKEW).problems).toEqual([]);
    expect(checkVersionChange(spec('1.35.0', '3.5.21'), spec('1.35.0', '3.6.5'), NO_SKEW).problems).toEqual([]);
    expect(checkVersionChange(spec('1.35.0', '3.4.23'), spec('1.35.0', '3.6.5'), NO_SKEW).problems[0]).toMatchObject({ message: expect.stringContaining('skips a minor of etcd/main') });
  });

  it('turns every refusal into a warning with --allow-version-skew', () => {
    const r = checkVersionChange(spec('1.33.2', '3.6.5'), spec('1.35.0', '3.5.21'), { allowVersionSkew: true, kubelets: [{ name: 'node a', version: '1.36.0' }] });
    expect(r.problems).toEqual([]);
    expect(r.warnings).toHaveLength(4);
    for (const w of r.warnings) expect(w).toMatch(/^--allow-version-skew: going ahead although spec\./);
  });

  it('leaves versions it cannot read to the spec validation', () => {
    expect(checkVersionChange(spec('latest'), spec('1.35.0'), NO_SKEW)).toEqual({ direction: 'none', problems: [], warnings: [] });
  });
});
