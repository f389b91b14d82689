/**
 * The version guards of `update cluster`, `upgrade cluster` and `reconcile cluster`.
 *
 * They compare the spec the cloud last had applied with the one about to be applied, and refuse
 * what the Kubernetes version-skew policy and etcd do not allow in one step:
 * - a Kubernetes change of more than one minor (either way): the fix is the intermediate minor;
 * - a kubelet newer than the API server it would talk to, or more than three minors older;
 * - an etcd change of more than one minor up, or any minor down: etcd's data format only moves
 *   forward in place, so going back a minor means a backup restored into the older etcd.
 * Each refusal is a FieldProblem with its fix; `allowVersionSkew` turns refusals into warnings.
 * Pure: callers read the applied spec and the nodes, and pass them in.
 */

import type { FieldProblem } from '../../src/errors.js';
import { compareKubernetesVersions, KUBERNETES_VERSIONS, parseKubernetesVersion } from '../../src/api/versions.js';
import type { KubernetesVersion } from '../../src/api/versions.js';
import { etcdVersionFor } from '../../src/assets/catalog.js';

/**
 * The parts of a Cluster spec the guards read. Pass completed specs where there are: an etcd
 * cluster without a version runs the one matching kubernetesVersion.
 */
export interface ClusterSpecLike {
  readonly kubernetesVersion: string;
  readonly etcdClusters?: readonly { readonly name: string; readonly version?: string }[];
}

/** A kubelet that will talk to the API server of `to`: a live node, or a group's version. */
export interface KubeletVersion {
  /** A node or instance group name, for the message. */
  readonly name: string;
  readonly version: string;
}

export interface VersionCheckOptions {
  readonly allowVersionSkew: boolean;
  /** Names the cluster in the fixes' commands; default `CLUSTER`. */
  readonly cluster?: string;
  /**
   * The kubelets that will face the API server of `to` while the change is rolled out. Omitted:
   * the kubelet rule is not checked (a caller that rolls the nodes first on a downgrade, as
   * reconcile does, has no kubelet newer than the API server to report).
   */
  readonly kubelets?: readonly KubeletVersion[];
}

export interface VersionChange {
  readonly direction: 'upgrade' | 'downgrade' | 'none';
  /** Refusals, each with its fix; empty when the change may go ahead (or skew is allowed). */
  readonly problems: FieldProblem[];
  readonly warnings: string[];
}

/** The kubelet may be this many minors older than the API server (the version-skew policy). */
const KUBELET_MAX_OLDER = 3;

export function checkVersionChange(from: ClusterSpecLike, to: ClusterSpecLike, opts: VersionCheckOptions): VersionChange {
  const a = parseKubernetesVersion(from.kubernetesVersion);
  const b = parseKubernetesVersion(to.kubernetesVersion);
  if (!a || !b) return { direction: 'none', problems: [], warnings: [] };
  // Semantic order: v1.36.0-rc.1 → v1.36.0 is an upgrade, v1.36.0 → v1.36.0-rc.1 a downgrade.
  const order = compareKubernetesVersions(b, a);
  const direction = order > 0 ? 'upgrade' : order < 0 ? 'downgrade' : 'none';
  const name = opts.cluster ?? 'CLUSTER';
  const refusals = [...minorSkip(from, to, a, b, name), ...kubeletSkew(to, b, opts.kubelets ?? [], name), ...etcdChanges(from, to, name)];
  if (opts.allowVersionSkew) {
    return { direction, problems: [], warnings: refusals.map((p) => `--allow-version-skew: going ahead although ${p.path} ${JSON.stringify(p.value)} ${p.message}`) };
  }
  return { direction, problems: refusals, warnings: [] };
}

function minorSkip(from: ClusterSpecLike, to: ClusterSpecLike, a: KubernetesVersion, b: KubernetesVersion, cluster: string): FieldProblem[] {
  if (a.major === b.major && Math.abs(b.minor - a.minor) <= 1) return [];
  const step = `${a.major}.${b.minor > a.minor ? a.minor + 1 : a.minor - 1}`;
  const release = KUBERNETES_VERSIONS.find((r) => r.minor === step)?.patch ?? `${step}.x`;
  return [{
    path: 'spec.kubernetesVersion',
    value: to.kubernetesVersion,
    message: `skips a minor: the cluster runs ${from.kubernetesVersion}, and Kubernetes changes one minor at a time`,
    fix: `set spec.kubernetesVersion to ${release} first, apply it and roll the machines (hoist reconcile cluster ${cluster} --yes), then go on to ${to.kubernetesVersion}`,
  }];
}

function kubeletSkew(to: ClusterSpecLike, api: KubernetesVersion, kubelets: readonly KubeletVersion[], cluster: string): FieldProblem[] {
  const newer = kubelets.filter((k) => {
    const v = parseKubernetesVersion(k.version);
    return v !== undefined && (v.major > api.major || (v.major === api.major && v.minor > api.minor));
  });
  const older = kubelets.filter((k) => {
    const v = parseKubernetesVersion(k.version);
    return v !== undefined && v.major === api.major && api.minor - v.minor > KUBELET_MAX_OLDER;
  });
  const names = (ks: readonly KubeletVersion[]) => ks.map((k) => `${k.name} (${k.version})`).join(', ');
  const out: FieldProblem[] = [];
  if (newer.length > 0) {
    out.push({
      path: 'spec.kubernetesVersion',
      value: to.kubernetesVersion,
      message: `is older than the kubelets of ${names(newer)}: a kubelet must never be newer than the API server`,
      fix: `downgrade the nodes before the control plane: hoist reconcile cluster ${cluster} --yes does the nodes first on a downgrade`,
    });
  }
  if (older.length > 0) {
    out.push({
      path: 'spec.kubernetesVersion',
      value: to.kubernetesVersion,
      message: `is more than ${KUBELET_MAX_OLDER} minors newer than the kubelets of ${names(older)}`,
      fix: 'upgrade those nodes first, one minor at a time',
    });
  }
  return out;
}

function etcdChanges(from: ClusterSpecLike, to: ClusterSpecLike, cluster: string): FieldProblem[] {
  const before = new Map((from.etcdClusters ?? []).map((e) => [e.name, e.version ?? etcdVersionFor(from.kubernetesVersion)]));
  const out: FieldProblem[] = [];
  (to.etcdClusters ?? []).forEach((e, i) => {
    const was = before.get(e.name);
    const now = e.version ?? etcdVersionFor(to.kubernetesVersion);
    const x = parseKubernetesVersion(was ?? '');
    const y = parseKubernetesVersion(now);
    if (!x || !y || was === undefined) return;
    const path = `spec.etcdClusters[${i}].version`;
    const pinned = e.version === undefined ? ` (the etcd of Kubernetes ${to.kubernetesVersion}; it is not pinned)` : '';
    if (y.major < x.major || (y.major === x.major && y.minor < x.minor)) {
      out.push({
        path,
        value: now,
        message: `is a downgrade of etcd/${e.name} from ${was} across a minor${pinned}, which etcd cannot do in place: its data format only moves forward`,
        fix: `keep etcd at ${was} (set ${path}: ${was}); or take a backup (hoist etcd backup ${cluster} --cluster ${e.name}), apply the spec with --allow-version-skew, and restore it into the older etcd (hoist etcd list-backups ${cluster} --cluster ${e.name}, then hoist etcd restore ${cluster} --cluster ${e.name} --backup ID --yes): docs/upgrades.md`,
      });
    } else if (y.major === x.major && y.minor - x.minor > 1) {
      out.push({
        path,
        value: now,
        message: `skips a minor of etcd/${e.name} (from ${was})${pinned}: etcd upgrades one minor at a time`,
        fix: `set ${path} to ${x.major}.${x.minor + 1}.x first and roll the control plane, then go on to ${now}`,
      });
    }
  });
  return out;
}
