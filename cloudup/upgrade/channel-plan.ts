/**
 * What `upgrade cluster` proposes: for every component (Kubernetes, each etcd cluster,
 * containerd, the versioned network addon) the version the cluster runs now and the one its
 * channel recommends, and the Cluster object with those written in. Pure: it reads nothing.
 *
 * A component is written into the spec when the spec pins it, or when what the cluster would
 * otherwise run differs from the channel; a version is never lowered (that is a downgrade, which
 * `upgrade cluster` does not do). Versions the cloud itself fixes (an etcd the cloud runs) are
 * shown and left alone.
 */

import type { Cluster, CompletedSpec } from '../../src/api/index.js';
import { CLOUD_DEFAULTS } from '../../src/api/index.js';
import { DEFAULT_CONTAINERD, etcdVersionFor, plainVersion } from '../../src/assets/index.js';
import { minorOf } from '../../src/channels/format.js';
import type { Channel, ChannelKubernetes } from '../../src/channels/format.js';
import { ValidationError } from '../../src/errors.js';
import { CALICO_VERSION } from '../addons/templates/calico.js';
import { CILIUM_VERSION } from '../addons/templates/cilium.js';
import { channelRow, compareVersions, nextMinorRow } from './channel.js';

export type ComponentAction = 'upgrade' | 'current' | 'newer' | 'default' | 'cloud';

export interface ComponentChange {
  /** `kubernetes`, `etcd/main`, `containerd`, `cilium`, ... */
  readonly component: string;
  /** The spec field that holds it; written when action is `upgrade`. */
  readonly field: string;
  readonly current: string;
  readonly recommended: string;
  /**
   * upgrade: written into the spec; current: already the recommended one; newer: the spec's is
   * newer and is kept; default: not in the spec, and hoist's default is already the recommended
   * one after the change; cloud: the cloud fixes it, and it is kept.
   */
  readonly action: ComponentAction;
  /** Image digests the channel lists for the recommended version, by repository. */
  readonly digests?: Readonly<Record<string, string>>;
}

export interface UpgradeProposal {
  readonly channel: string;
  readonly changes: readonly ComponentChange[];
  /** The stored Cluster with the `upgrade` rows written in (the same object when there are none). */
  readonly cluster: Cluster;
  /** The next minor's recommended release, when the channel lists one and it was not the target. */
  readonly nextMinor?: string;
}

/** `toMinor` (e.g. `1.35`) moves to another minor's recommended release; default: the cluster's. */
export function proposeUpgrade(stored: Cluster, completed: CompletedSpec, channelRef: string, channel: Channel, opts: { readonly toMinor?: string } = {}): UpgradeProposal {
  const spec = stored.spec;
  const current = plainVersion(spec.kubernetesVersion);
  const row = targetRow(channelRef, channel, current, opts.toMinor);
  // The etcd image's digest goes with the etcd rows.
  const k8sDigests = Object.fromEntries(Object.entries(row.images ?? {}).filter(([repository]) => repository !== 'etcd'));
  const k8s = decide('kubernetes', 'spec.kubernetesVersion', current, row.recommended, true, k8sDigests);
  const newK8s = k8s.action === 'upgrade' ? row.recommended : current;
  const changes: ComponentChange[] = [k8s];
  let next: Cluster['spec'] = k8s.action === 'upgrade' ? { ...spec, kubernetesVersion: row.recommended } : spec;

  const cloudEtcd = CLOUD_DEFAULTS[spec.cloudProvider].etcdVersion;
  const etcdDigest = row.images?.['etcd'];
  completed.cluster.spec.etcdClusters.forEach((e, i) => {
    const pinned = spec.etcdClusters?.[i]?.version;
    const now = plainVersion(e.version ?? etcdVersionFor(current));
    const field = `spec.etcdClusters[${i}].version`;
    const digests = etcdDigest === undefined ? undefined : { etcd: etcdDigest };
    if (pinned === undefined && cloudEtcd !== undefined) {
      changes.push({ component: `etcd/${e.name}`, field, current: now, recommended: row.etcd, action: 'cloud' });
      return;
    }
    const follows = pinned === undefined && compareVersions(etcdVersionFor(newK8s), row.etcd) === 0;
    const change = decide(`etcd/${e.name}`, field, now, row.etcd, !follows && spec.etcdClusters?.[i] !== undefined, digests);
    changes.push(change);
    if (change.action === 'upgrade') next = { ...next, etcdClusters: (next.etcdClusters ?? []).map((c, j) => (j === i ? { ...c, version: row.etcd } : c)) };
  });

  const containerd = decide('containerd', 'spec.containerd.version', plainVersion(spec.containerd?.version ?? DEFAULT_CONTAINERD), row.containerd, true);
  changes.push(containerd);
  if (containerd.action === 'upgrade') next = { ...next, containerd: { ...next.containerd, version: row.containerd } };

  for (const [name, fallback] of [['cilium', CILIUM_VERSION], ['calico', CALICO_VERSION]] as const) {
    const used = spec.networking?.[name];
    const addon = channel.spec.addons?.find((a) => a.name === name);
    if (used === undefined || addon === undefined) continue;
    const change = decide(name, `spec.networking.${name}.version`, plainVersion(used.version ?? fallback), plainVersion(addon.version), true, addon.images);
    changes.push(change);
    if (change.action === 'upgrade') next = { ...next, networking: { ...next.networking, [name]: { ...used, version: plainVersion(addon.version) } } };
  }

  const following = nextMinorRow(channel, newK8s);
  return {
    channel: channelRef,
    changes,
    cluster: next === spec ? stored : { ...stored, spec: next },
    ...(following ? { nextMinor: following.recommended } : {}),
  };
}

function targetRow(channelRef: string, channel: Channel, current: string, toMinor: string | undefined): ChannelKubernetes {
  const listed = channel.spec.kubernetesVersions.map((r) => r.minor).join(', ');
  const minor = toMinor ?? minorOf(current);
  const row = channelRow(channel, `${minor}.0`);
  if (!row) {
    const path = toMinor === undefined ? 'spec.kubernetesVersion' : '--to';
    const value = toMinor ?? current;
    throw new ValidationError(`the upgrade of ${minor}`, [{ path, value, message: `channel ${channelRef} lists no Kubernetes ${minor} (it lists ${listed})`, fix: toMinor === undefined ? 'name a channel that lists it in spec.channel, or move to a listed minor one at a time' : `use one of ${listed}` }], 'INVALID_FLAG');
  }
  if (compareVersions(`${minor}.0`, `${minorOf(current)}.0`) < 0) {
    throw new ValidationError('the upgrade', [{ path: '--to', value: minor, message: `is older than the cluster's ${current}: upgrade cluster does not downgrade`, fix: `to go back a minor, set spec.kubernetesVersion to ${row.recommended} (hoist edit cluster) and apply it as docs/upgrades.md says` }], 'INVALID_FLAG');
  }
  return row;
}

function decide(component: string, field: string, current: string, recommended: string, writable: boolean, digests?: Readonly<Record<string, string>>): ComponentChange {
  const order = compareVersions(current, recommended);
  const action: ComponentAction = order === 0 ? 'current' : order > 0 ? 'newer' : writable ? 'upgrade' : 'default';
  return { component, field, current, recommended, action, ...(digests && Object.keys(digests).length > 0 ? { digests } : {}) };
}
