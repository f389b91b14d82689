/**
 * Rolling-update settings: integers or percentages of the group size, resolved like kops.
 *
 * An unset field falls back to the cluster's setting, then to the default: maxSurge 1 where the
 * cloud can surge, else 0; maxUnavailable 0 when surging, else 1 (so an update always makes
 * progress). Control-plane groups never surge: a new control-plane instance cannot take over an
 * etcd member before the old one is gone. They replace one instance at a time.
 */

import { CLOUDS_WITH_SURGE } from './cloud-defaults.js';
import type { CloudProvider, InstanceGroupRole, IntOrPercent, RollingUpdate } from './schema.js';

export interface ResolvedRollingUpdate {
  readonly maxSurge: IntOrPercent;
  readonly maxUnavailable: IntOrPercent;
}

/** True for 0 and "0%". */
export function isZero(v: IntOrPercent): boolean {
  return typeof v === 'number' ? v === 0 : parsePercent(v) === 0;
}

/** The number in "25%", or undefined when `v` is not a percentage. */
export function parsePercent(v: string): number | undefined {
  const m = /^([0-9]+)%$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

/** The cluster-wide setting, completed. */
export function resolveClusterRollingUpdate(cloud: CloudProvider, ru: RollingUpdate | undefined): ResolvedRollingUpdate {
  const maxSurge = ru?.maxSurge ?? (CLOUDS_WITH_SURGE.has(cloud) ? 1 : 0);
  return { maxSurge, maxUnavailable: ru?.maxUnavailable ?? (isZero(maxSurge) ? 1 : 0) };
}

/** One group's setting: its own fields, then the cluster's as written, then the defaults. */
export function resolveGroupRollingUpdate(
  cloud: CloudProvider,
  role: InstanceGroupRole,
  group: RollingUpdate | undefined,
  cluster: RollingUpdate | undefined,
): ResolvedRollingUpdate {
  if (role === 'ControlPlane') {
    const maxSurge = group?.maxSurge ?? 0;
    return { maxSurge, maxUnavailable: group?.maxUnavailable ?? (isZero(maxSurge) ? 1 : 0) };
  }
  const maxSurge = group?.maxSurge ?? cluster?.maxSurge ?? (CLOUDS_WITH_SURGE.has(cloud) ? 1 : 0);
  const maxUnavailable = group?.maxUnavailable ?? cluster?.maxUnavailable ?? (isZero(maxSurge) ? 1 : 0);
  return { maxSurge, maxUnavailable };
}
