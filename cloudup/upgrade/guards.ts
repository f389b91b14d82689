/**
 * The version guards of `update cluster` and `reconcile cluster`.
 *
 * They compare the spec last applied with the one about to be applied and refuse the changes the
 * Kubernetes version-skew policy and etcd cannot take in place. Each refusal is a FieldProblem
 * with the fix; `allowVersionSkew` turns refusals into warnings.
 */

import type { FieldProblem } from '../../src/errors.js';
import { parseKubernetesVersion } from '../../src/api/versions.js';

/** The parts of a Cluster spec the guards read: a ClusterSpec or a completed one both fit. */
export interface ClusterSpecLike {
  readonly kubernetesVersion: string;
  readonly etcdClusters?: readonly { readonly name: string; readonly version?: string }[];
}

export interface VersionChange {
  readonly direction: 'upgrade' | 'downgrade' | 'none';
  /** Refusals, each with its fix; empty when the change may go ahead (or skew is allowed). */
  readonly problems: FieldProblem[];
  readonly warnings: string[];
}

export function checkVersionChange(from: ClusterSpecLike, to: ClusterSpecLike, opts: { allowVersionSkew: boolean }): VersionChange {
  const a = parseKubernetesVersion(from.kubernetesVersion);
  const b = parseKubernetesVersion(to.kubernetesVersion);
  if (!a || !b) return { direction: 'none', problems: [], warnings: [] };
  const order = a.major !== b.major ? b.major - a.major : a.minor !== b.minor ? b.minor - a.minor : b.patch - a.patch;
  const direction = order > 0 ? 'upgrade' : order < 0 ? 'downgrade' : 'none';
  const refusals: FieldProblem[] = [];
  if (a.major === b.major && Math.abs(b.minor - a.minor) > 1) {
    const step = b.minor > a.minor ? a.minor + 1 : a.minor - 1;
    refusals.push({
      path: 'spec.kubernetesVersion',
      value: to.kubernetesVersion,
      message: `skips a minor version: ${from.kubernetesVersion} to ${to.kubernetesVersion} is more than one minor at once`,
      fix: `go to ${a.major}.${step} first, then on`,
    });
  }
  if (opts.allowVersionSkew) {
    return { direction, problems: [], warnings: refusals.map((p) => `--allow-version-skew: ${p.path}: ${p.message}`) };
  }
  return { direction, problems: refusals, warnings: [] };
}
