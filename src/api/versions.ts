/**
 * The Kubernetes versions hoist can install.
 *
 * One row per supported minor, with the patch release `create cluster` writes, as the stable
 * channel lists them. Keep the channel short: a minor leaves when its upstream support ends, and
 * a new one comes in once nodeup and the model builders have been tested with it.
 */

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
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Accepts `1.32.0` and `v1.32.0`. */
export function parseKubernetesVersion(text: string): KubernetesVersion | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

export function supportedRangeText(): string {
  const first = KUBERNETES_VERSIONS[0]?.minor ?? '';
  const last = KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]?.minor ?? first;
  return `${first} to ${last}`;
}

export function isSupportedMinor(v: KubernetesVersion): boolean {
  return KUBERNETES_VERSIONS.some((row) => row.minor === `${v.major}.${v.minor}`);
}

export function kubernetesVersionProblems(value: string, path: string): FieldProblem[] {
  const parsed = parseKubernetesVersion(value);
  if (!parsed) {
    return [{ path, value, message: 'is not a Kubernetes version', fix: `use a release such as ${DEFAULT_KUBERNETES_VERSION} or v${DEFAULT_KUBERNETES_VERSION}` }];
  }
  if (!isSupportedMinor(parsed)) {
    return [{
      path,
      value,
      message: `Kubernetes ${parsed.major}.${parsed.minor} is not supported: hoist supports ${supportedRangeText()}`,
      fix: `use a supported release such as ${DEFAULT_KUBERNETES_VERSION}`,
    }];
  }
  return [];
}
