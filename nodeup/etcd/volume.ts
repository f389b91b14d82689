/**
 * Claiming an etcd member's volume at boot (AWS: the EBS volume, GCE: the persistent disk that
 * `update cluster` made for the member). The member is the one nodeup.yaml names for this
 * machine's instance group, as the local cloud and kops's etcd-manager pick it: one member per
 * control-plane group. The steps are always the same; only finding and attaching the volume
 * differ per cloud:
 *
 *   find   the member's volume, by its tags or labels, in the machine's own zone
 *   attach it to this machine (never taken from a machine that still runs; one that is going
 *          away is waited for)
 *   wait   until its device appears
 *   format it only when it holds no filesystem at all (blkid finds none)
 *   mount  it at the member's volume folder, where etcd's data directory lives
 *
 * The local cloud's daemon attaches the volume folder itself before the machine starts, and a
 * machine under `--root` mounts nothing, so there nothing is claimed here.
 */

import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';

/** Which volume: the member of one etcd cluster of one cluster. */
export interface MemberVolume {
  readonly cluster: string;
  readonly etcdCluster: string;
  readonly member: string;
}

export interface CloudVolume {
  /** The cloud's id (vol-…) or the disk's name. */
  readonly id: string;
  /** Node paths the device may appear at once attached, the most specific first. */
  readonly devices: readonly string[];
}

/** The cloud's half: find the member's volume and attach it to this machine. */
export interface VolumeCloud {
  /** What the cloud calls a volume, for messages ("EBS volume", "persistent disk"). */
  readonly noun: string;
  /** The member's volume in this machine's zone; a NOT_FOUND HoistError when there is none. */
  find(want: MemberVolume): Promise<CloudVolume>;
  /**
   * Attaches it to this machine and returns once the cloud says it is attached. Already
   * attached here: nothing to do. Attached to a machine that runs: a CONFLICT HoistError.
   */
  attach(volume: CloudVolume, want: MemberVolume): Promise<CloudVolume>;
}

/** The machine's half: the device, its filesystem and the mount. */
export interface VolumeHost {
  isMounted(dir: string): Promise<boolean>;
  /** The first of `devices` that exists, waited for; a HoistError after the timeout. */
  waitDevice(devices: readonly string[]): Promise<string>;
  /** Makes a filesystem only when the device has none; true when it did. */
  formatIfEmpty(device: string): Promise<boolean>;
  mount(device: string, dir: string): Promise<void>;
}

export interface ClaimResult {
  readonly volume: string;
  readonly device: string;
  readonly formatted: boolean;
  /** True when the volume was already mounted there (nodeup ran before since boot). */
  readonly alreadyMounted: boolean;
}

export async function claimMemberVolume(input: {
  readonly cloud: VolumeCloud;
  readonly host: VolumeHost;
  readonly want: MemberVolume;
  /** The member's volume folder (`/mnt/etcd-<etcd cluster>`). */
  readonly dir: string;
  readonly events: EventSink;
}): Promise<ClaimResult> {
  const { cloud, host, want, dir } = input;
  const say = (code: string, message: string, data: Record<string, unknown> = {}) =>
    input.events({ level: 'info', code, message: `etcd ${want.etcdCluster}: ${message}`, data: { etcdCluster: want.etcdCluster, member: want.member, ...data } });
  if (await host.isMounted(dir)) {
    say('etcd.volume-mounted', `${dir} is already mounted: member ${want.member}'s ${cloud.noun} was claimed earlier`);
    return { volume: '', device: '', formatted: false, alreadyMounted: true };
  }
  const found = await cloud.find(want);
  say('etcd.volume-found', `member ${want.member}'s ${cloud.noun} is ${found.id}`, { volume: found.id });
  const attached = await cloud.attach(found, want);
  const device = await host.waitDevice(attached.devices);
  say('etcd.volume-attached', `${cloud.noun} ${found.id} is attached as ${device}`, { volume: found.id, device });
  const formatted = await host.formatIfEmpty(device);
  if (formatted) say('etcd.volume-formatted', `${device} held no filesystem: formatted it (ext4)`, { volume: found.id, device });
  await host.mount(device, dir);
  say('etcd.volume-claimed', `${cloud.noun} ${found.id} is mounted at ${dir}${formatted ? '' : ' with the data it held'}`, { volume: found.id, device });
  return { volume: found.id, device, formatted, alreadyMounted: false };
}

/** The one volume of `found`, or an error that says what was looked for and what to do. */
export function exactlyOne<T>(found: readonly T[], what: string, noun: string, idOf: (v: T) => string): T {
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new HoistError('NOT_FOUND', `no ${noun} of ${what} in this machine's zone`, {
      hint: 'update cluster --yes creates the etcd volumes; a control-plane group runs in the zone of its etcd members (spec.etcdClusters[].etcdMembers[].zone)',
    });
  }
  throw new HoistError('CONFLICT', `${found.length} ${noun}s of ${what} in this machine's zone (${found.map(idOf).join(', ')}): which holds the member's data is not clear`, {
    hint: 'keep the one that holds the data and delete the others, or remove their etcd tags',
  });
}
