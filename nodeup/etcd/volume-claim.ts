/**
 * Which cloud claims a member's volume on this machine, and the claim itself as the etcd member
 * task runs it. AWS machines are known by the metadata endpoint their boot script gives nodeup
 * (AWS_EC2_METADATA_SERVICE_ENDPOINT); GCE machines by their metadata server answering, as
 * Google's client libraries find it. Anywhere else (the local cloud, whose daemon attaches the
 * volume folder itself; a host without a cloud) nothing is claimed. Each cloud's code is loaded
 * only on that cloud.
 */

import type { EventSink } from '../../src/output/events.js';
import type { ClaimResult, MemberVolume, VolumeCloud, VolumeHost } from './volume.js';
import { claimMemberVolume } from './volume.js';
import { osVolumeHost } from './volume-os.js';

type Env = Readonly<Record<string, string | undefined>>;

async function cloudOf(env: Env): Promise<(VolumeCloud & { close?: () => Promise<void> }) | undefined> {
  if (env.AWS_EC2_METADATA_SERVICE_ENDPOINT) {
    const { ec2VolumeCloud } = await import('./volume-aws.js');
    return ec2VolumeCloud({ env });
  }
  const { gcpMetadata } = await import('google-auth-library');
  if (await gcpMetadata.isAvailable()) {
    const { gceDiskCloud } = await import('./volume-gce.js');
    return gceDiskCloud({ env });
  }
  return undefined;
}

/** Claims and mounts the member's volume at `dir` on a cloud machine; undefined where no cloud attaches volumes. */
export async function claimOnThisCloud(input: {
  readonly want: MemberVolume;
  readonly dir: string;
  readonly env: Env;
  readonly events: EventSink;
  /** The machine's side; default: this machine's own tools at `/`. */
  readonly host?: VolumeHost;
}): Promise<ClaimResult | undefined> {
  const cloud = await cloudOf(input.env);
  if (cloud === undefined) return undefined;
  try {
    return await claimMemberVolume({ cloud, host: input.host ?? osVolumeHost({ root: '/' }), want: input.want, dir: input.dir, events: input.events });
  } finally {
    await cloud.close?.();
  }
}
