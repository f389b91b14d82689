/**
 * Kubernetes pre-releases (`v1.36.0-rc.1`, `v1.35.0-alpha.1`): accepted with a warning, ordered
 * before their release by the version guards, downloaded from dl.k8s.io's release/ tree, and
 * never what a channel recommends.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, compareKubernetesVersions, kubernetesVersionWarnings, parseKubernetesVersion } from '../../src/api/index.js';
import { assetSources, etcdVersionFor } from '../../src/assets/index.js';
import { stableChannel } from '../../src/channels/bundled-parsed.js';
import { parseChannel } from '../../src/channels/format.js';
import { ValidationError } from '../../src/errors.js';
import { compareVersions } from '../../cloudup/upgrade/channel.js';
import { proposeUpgrade } from '../../cloudup/upgrade/channel-plan.js';
import { checkVersionChange } from '../../cloudup/upgrade/guards.js';
import { liveDirection } from '../../cloudup/upgrade/live-kubelets.js';
import { cluster, groups, validate } from './fixtures.js';

const NO_SKEW = { allowVersionSkew: false, cluster: 'demo.example.com' };
const at = (kubernetesVersion: string) => ({ kubernetesVersion, etcdClusters: [{ name: 'main' }] });

describe('Kubernetes pre-releases', () => {
  it('are valid for a supported minor and the next one, with a warning; other suffixes and minors are refused', () => {
    expect(validate(cluster({ kubernetesVersion: 'v1.36.0-rc.1' }), groups())).toEqual([]);
    expect(validate(cluster({ kubernetesVersion: 'v1.35.0-alpha.1' }), groups())).toEqual([]);
    expect(validate(cluster({ kubernetesVersion: '1.34.1-beta.0' }), groups())).toEqual([]);
    expect(kubernetesVersionWarnings('v1.36.0-rc.1', 'spec.kubernetesVersion')).toEqual([expect.stringMatching(/^spec\.kubernetesVersion: v1\.36\.0-rc\.1 is a pre-release of Kubernetes 1\.36: for testing, not for production/)]);
    expect(kubernetesVersionWarnings('1.35.0', 'spec.kubernetesVersion')).toEqual([]);

    const bad = (v: string) => validate(cluster({ kubernetesVersion: v }), groups()).filter((p) => p.path === 'spec.kubernetesVersion');
    expect(bad('v1.36.0-foo.1')).toEqual([expect.objectContaining({ value: 'v1.36.0-foo.1', message: 'is not a Kubernetes version' })]);
    expect(bad('v1.36.0-rc')).toEqual([expect.objectContaining({ message: 'is not a Kubernetes version' })]);
    const far = bad('v1.37.0-alpha.1');
    expect(far).toEqual([expect.objectContaining({ value: 'v1.37.0-alpha.1', message: expect.stringContaining('Kubernetes 1.37 is not supported') })]);
    expect(far[0]?.fix).toContain('or a pre-release of 1.30 to 1.35 or 1.36');
    // A release of the next minor is not accepted: only its pre-releases are being tested.
    expect(bad('v1.36.0')).toEqual([expect.objectContaining({ message: expect.stringContaining('Kubernetes 1.36 is not supported') })]);
    expect(kubernetesVersionWarnings('v1.37.0-alpha.1', 'spec.kubernetesVersion')).toEqual([]);
  });

  it('order before their release, alpha before beta before rc', () => {
    const order = ['1.35.0', 'v1.36.0-alpha.1', '1.36.0-alpha.2', '1.36.0-beta.0', 'v1.36.0-rc.1', '1.36.0', '1.36.1-rc.0'];
    const parsed = order.map((v) => parseKubernetesVersion(v)!);
    for (let i = 1; i < parsed.length; i++) {
      expect(compareKubernetesVersions(parsed[i - 1]!, parsed[i]!), `${order[i - 1]} < ${order[i]}`).toBe(-1);
      expect(compareVersions(order[i - 1]!, order[i]!)).toBe(-1);
    }
    expect(parseKubernetesVersion('v1.36.0-rc.1')).toEqual({ major: 1, minor: 36, patch: 0, prerelease: 'rc.1' });
  });

  it('go through the version guards in that order', () => {
    expect(checkVersionChange(at('1.36.0-rc.1'), at('v1.36.0'), NO_SKEW).direction).toBe('upgrade');
    expect(checkVersionChange(at('1.36.0'), at('1.36.0-rc.1'), NO_SKEW).direction).toBe('downgrade');
    expect(checkVersionChange(at('1.36.0-alpha.1'), at('1.36.0-rc.1'), NO_SKEW)).toEqual({ direction: 'upgrade', problems: [], warnings: [] });
    expect(checkVersionChange(at('1.35.0'), at('1.36.0-rc.1'), NO_SKEW)).toEqual({ direction: 'upgrade', problems: [], warnings: [] });
    expect(checkVersionChange(at('1.34.0'), at('1.36.0-rc.1'), NO_SKEW).problems.map((p) => p.message)).toEqual([expect.stringContaining('skips a minor')]);
    // A kubelet on the rc is older than the release, so the nodes follow the control plane up.
    expect(liveDirection(['v1.36.0-rc.1', 'v1.36.0-rc.1'], '1.36.0')).toBe('upgrade');
    expect(liveDirection(['v1.36.0'], 'v1.36.0-rc.1')).toBe('downgrade');
  });

  it('download from dl.k8s.io/release/, with the newest etcd for the next minor', () => {
    const completed = completeSpec(cluster({ kubernetesVersion: 'v1.36.0-rc.1' }), groups());
    const kube = assetSources(completed).filter((a) => a.name.startsWith('kubernetes-'));
    expect(kube.map((a) => [a.version, a.upstream, a.upstreamChecksum.url, a.path])).toEqual([
      ['1.36.0-rc.1', 'https://dl.k8s.io/release/v1.36.0-rc.1/kubernetes-node-linux-amd64.tar.gz', 'https://dl.k8s.io/release/v1.36.0-rc.1/kubernetes-node-linux-amd64.tar.gz.sha256', 'kubernetes/v1.36.0-rc.1/kubernetes-node-linux-amd64.tar.gz'],
      ['1.36.0-rc.1', 'https://dl.k8s.io/release/v1.36.0-rc.1/kubernetes-server-linux-amd64.tar.gz', 'https://dl.k8s.io/release/v1.36.0-rc.1/kubernetes-server-linux-amd64.tar.gz.sha256', 'kubernetes/v1.36.0-rc.1/kubernetes-server-linux-amd64.tar.gz'],
    ]);
    // Releases keep their address.
    expect(assetSources(completeSpec(cluster(), groups())).find((a) => a.name === 'kubernetes-node')?.upstream).toBe('https://dl.k8s.io/v1.34.0/kubernetes-node-linux-amd64.tar.gz');
    expect(etcdVersionFor('1.36.0-rc.1')).toBe(etcdVersionFor('1.35.0'));
    expect(etcdVersionFor('1.35.0-alpha.1')).toBe(etcdVersionFor('1.35.0'));
  });

  it('are never recommended: a channel refuses one, and upgrade cluster offers the release', () => {
    const row = (recommended: string) => `apiVersion: hoist.dev/v1alpha1\nkind: Channel\nmetadata: {name: test}\nspec:\n  kubernetesVersions:\n    - {minor: "1.35", recommended: ${recommended}, etcd: 3.6.5, containerd: 2.1.4}\n`;
    expect(() => parseChannel(row('1.35.0-rc.1'), 'test.yaml')).toThrow(ValidationError);
    expect(parseChannel(row('1.35.0'), 'test.yaml').spec.kubernetesVersions[0]?.recommended).toBe('1.35.0');

    const stored = cluster({ kubernetesVersion: 'v1.35.0-alpha.1' });
    const proposal = proposeUpgrade(stored, completeSpec(stored, groups()), 'stable', stableChannel());
    expect(proposal.changes[0]).toEqual(expect.objectContaining({ component: 'kubernetes', current: '1.35.0-alpha.1', recommended: '1.35.0', action: 'upgrade' }));
    expect(proposal.cluster.spec.kubernetesVersion).toBe('1.35.0');
  });
});
