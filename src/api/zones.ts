/**
 * Zone and region names per cloud.
 *
 * - aws: zone `us-east-1a` is in region `us-east-1` (the zone is the region plus one letter).
 * - gce: zone `us-central1-a` is in region `us-central1`.
 * - local: zone `local-a` is in region `local`.
 */

import type { CloudProvider } from './schema.js';

const ZONE: Record<CloudProvider, RegExp> = {
  aws: /^([a-z]{2}(?:-[a-z0-9]+)*-[0-9]+)([a-z])$/,
  gce: /^([a-z]+-[a-z]+[0-9]+)-([a-z])$/,
  local: /^([a-z][a-z0-9]*)-([a-z])$/,
};

const REGION: Record<CloudProvider, RegExp> = {
  aws: /^[a-z]{2}(?:-[a-z0-9]+)*-[0-9]+$/,
  gce: /^[a-z]+-[a-z]+[0-9]+$/,
  local: /^[a-z][a-z0-9]*$/,
};

export const ZONE_EXAMPLES: Record<CloudProvider, string> = { aws: 'us-east-1a', gce: 'us-central1-a', local: 'local-a' };
export const REGION_EXAMPLES: Record<CloudProvider, string> = { aws: 'us-east-1', gce: 'us-central1', local: 'local' };

/** The region of a zone, or undefined when `zone` is not a zone name of that cloud. */
export function regionOfZone(cloud: CloudProvider, zone: string): string | undefined {
  return ZONE[cloud].exec(zone)?.[1];
}

/** The part of the zone after its region, e.g. `a` for `us-east-1a`: etcd members are named by it. */
export function zoneSuffix(cloud: CloudProvider, zone: string): string | undefined {
  return ZONE[cloud].exec(zone)?.[2];
}

export function isRegionName(cloud: CloudProvider, region: string): boolean {
  return REGION[cloud].test(region);
}
