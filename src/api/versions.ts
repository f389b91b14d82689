/**
 * The Kubernetes versions hoist can install.
 *
 * One row per supported minor, with the patch release `create cluster` writes, as the stable
 * channel lists them. Keep the channel short: a minor leaves when its upstream support ends, and
 * a new one comes in once nodeup and the model builders have been tested with it.
 */

import semver from 'semver';
import type { FieldProblem } from '../errors.js';
import { stableChannel } from '../channels/bundled-parsed.js';

/** From the stable channel (src/channels/stable.yaml), which hoist ships: one row per minor. */
export const KUBERNETES_VERSIONS: readonly { readonly minor: string; readonly patch: string }[] = stableChannel().spec.kubernetesVersions.map((r) => ({ minor: r.minor, patch: r.recommended }));

export type SupportedMinor = string;

/** The newest supported release: what `create cluster` writes unless told otherwise. */
export const DEFAULT_KUBERNETES_VERSION: string = KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]?.patch ?? '1.35.0';

export interface KubernetesVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** `alpha.1`, `beta.0`, `rc.1` of a pre-release (`v1.36.0-rc.1`); undefined for a release. */
  readonly prerelease?: string;
}

/**
 * A release, or a pre-release in the only forms Kubernetes publishes (`-alpha.N`, `-beta.N`,
 * `-rc.N`): the builds dl.k8s.io serves under release/, which nodeup can download.
 */
const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:alpha|beta|rc)\.(?:0|[1-9]\d*)))?$/;

/** Accepts `1.32.0`, `v1.32.0` and pre-releases such as `v1.36.0-rc.1`. */
export function parseKubernetesVersion(text: string): KubernetesVersion | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), ...(m[4] !== undefined ? { prerelease: m[4] } : {}) };
}

export function formatKubernetesVersion(v: KubernetesVersion): string {
  return `${v.major}.${v.minor}.${v.patch}${v.prerelease !== undefined ? `-${v.prerelease}` : ''}`;
}

/**
 * Semantic version order: a pre-release comes before its release, and alpha before beta before
 * rc (`1.36.0-alpha.1` < `1.36.0-rc.1` < `1.36.0`), as the version-skew policy reads them.
 */
export function compareKubernetesVersions(a: KubernetesVersion, b: KubernetesVersion): number {
  return semver.compare(formatKubernetesVersion(a), formatKubernetesVersion(b));
}

export function isPrerelease(text: string): boolean {
  return parseKubernetesVersion(text)?.prerelease !== undefined;
}

export function supportedRangeText(): string {
  const first = KUBERNETES_VERSIONS[0]?.minor ?? '';
  const last = KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]?.minor ?? first;
  return `${first} to ${last}`;
}

export function isSupportedMinor(v: KubernetesVersion): boolean {
  return KUBERNETES_VERSIONS.some((row) => row.minor === `${v.major}.${v.minor}`);
}

/** The minor after the newest supported one: its pre-releases are the next release being tested. */
function nextMinor(): string | undefined {
  const last = parseKubernetesVersion(KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]?.patch ?? '');
  return last ? `${last.major}.${last.minor + 1}` : undefined;
}

/** A pre-release of a supported minor, or of the next one (kops also runs them, with a warning). */
function isAcceptedPrerelease(v: KubernetesVersion): boolean {
  return v.prerelease !== undefined && (isSupportedMinor(v) || `${v.major}.${v.minor}` === nextMinor());
}

export function kubernetesVersionProblems(value: string, path: string): FieldProblem[] {
  const parsed = parseKubernetesVersion(value);
  if (!parsed) {
    return [{ path, value, message: 'is not a Kubernetes version', fix: `use a release such as ${DEFAULT_KUBERNETES_VERSION} or v${DEFAULT_KUBERNETES_VERSION}` }];
  }
  if (!isSupportedMinor(parsed) && !isAcceptedPrerelease(parsed)) {
    return [{
      path,
      value,
      message: `Kubernetes ${parsed.major}.${parsed.minor} is not supported: hoist supports ${supportedRangeText()}`,
      fix: `use a supported release such as ${DEFAULT_KUBERNETES_VERSION}${parsed.prerelease !== undefined ? `, or a pre-release of ${supportedRangeText()} or ${nextMinor() ?? ''}` : ''}`,
    }];
  }
  return [];
}

/**
 * What a valid version deserves a word about: a pre-release is accepted (to test the next
 * Kubernetes before it ships) but is not for production, and no channel recommends one, so
 * `upgrade cluster` moves the cluster to the release once the channel lists it.
 */
export function kubernetesVersionWarnings(value: string, path: string): string[] {
  const parsed = parseKubernetesVersion(value);
  if (parsed?.prerelease === undefined || kubernetesVersionProblems(value, path).length > 0) return [];
  return [`${path}: ${value} is a pre-release of Kubernetes ${parsed.major}.${parsed.minor}: for testing, not for production; no channel recommends it, and hoist upgrade cluster moves to the release once the channel lists it`];
}
