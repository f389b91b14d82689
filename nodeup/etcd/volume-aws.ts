/**
 * Claiming an etcd member's EBS volume, as the machine's instance profile: the machine's id and
 * zone from IMDSv2, the volume found by its tags in that zone (DescribeVolumes), and attached
 * with AttachVolume. Credentials come from the SDK's default provider chain (the instance
 * profile, through IMDS); `AWS_ENDPOINT_URL_EC2` or `AWS_ENDPOINT_URL` name another EC2
 * endpoint, and `AWS_EC2_METADATA_SERVICE_ENDPOINT` another metadata server.
 *
 * A volume attached to another machine is taken only once that machine has gone: one that is
 * shutting down or terminated is waited for until the volume is available; one that runs (or is
 * stopped, and would come back with it) keeps it, and the claim fails with the holder's id.
 */

import { AttachVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, waitUntilVolumeAvailable } from '@aws-sdk/client-ec2';
import type { Volume } from '@aws-sdk/client-ec2';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { CLUSTER_TAG } from '../../cloudup/tags.js';
import { HoistError } from '../../src/errors.js';
import type { VolumeCloud } from './volume.js';
import { exactlyOne } from './volume.js';
import { ETCD_CLUSTER_TAG, ETCD_MEMBER_TAG } from './volume-tags.js';
import { storeProxyOption } from '../http-proxy.js';

export interface Ec2VolumeOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How long a volume held by a machine that is going away is waited for; default 10 minutes. */
  readonly releaseTimeoutS?: number;
}

interface Self {
  readonly instanceId: string;
  readonly zone: string;
  readonly region: string;
}

/** Device names the volume is attached under; kops's etcd-manager uses the same range. */
const DEVICES = ['/dev/xvdu', '/dev/xvdv', '/dev/xvdw', '/dev/xvdx', '/dev/xvdy', '/dev/xvdz'];
const GONE = new Set(['shutting-down', 'terminated']);

/** The node paths an EBS volume appears at: its NVMe serial (Nitro), else the name it was attached under. */
export function ebsDevices(volumeId: string, device: string): string[] {
  return [`/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace('-', '')}`, device, device.replace('/dev/xvd', '/dev/sd')];
}

export function ec2VolumeCloud(options: Ec2VolumeOptions): VolumeCloud {
  const env = options.env;
  let self: Promise<Self> | undefined;
  let client: EC2Client | undefined;
  const identity = (): Promise<Self> =>
    (self ??= (async () => {
      const endpoint = env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      const imds = new MetadataService({ ...(endpoint ? { endpoint } : {}), ec2MetadataV1Disabled: true });
      const [instanceId, zone] = await Promise.all([imds.request('latest/meta-data/instance-id', {}), imds.request('latest/meta-data/placement/availability-zone', {})]);
      return { instanceId: instanceId.trim(), zone: zone.trim(), region: env.AWS_REGION ?? zone.trim().replace(/[a-z]$/, '') };
    })());
  const ec2 = async (): Promise<EC2Client> => {
    const endpoint = env.AWS_ENDPOINT_URL_EC2 ?? env.AWS_ENDPOINT_URL;
    if (client !== undefined) return client;
    const region = (await identity()).region;
    const agent = storeProxyOption().agent;
    return (client ??= new EC2Client({ region, ...(endpoint ? { endpoint } : {}), ...(agent === undefined ? {} : { requestHandler: { httpAgent: agent, httpsAgent: agent } }) }));
  };
  const describe = async (volumeId: string): Promise<Volume> => {
    const out = await (await ec2()).send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
    const v = out.Volumes?.[0];
    if (v === undefined) throw new HoistError('NOT_FOUND', `EBS volume ${volumeId} is gone`);
    return v;
  };
  const instanceState = async (instanceId: string): Promise<string> => {
    const out = await (await ec2()).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })).catch((e: unknown) => {
      if (e instanceof Error && e.name === 'InvalidInstanceID.NotFound') return { Reservations: [] };
      throw e;
    });
    return out.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? 'terminated';
  };
  const usedDevices = async (instanceId: string): Promise<Set<string>> => {
    const out = await (await ec2()).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const mappings = out.Reservations?.[0]?.Instances?.[0]?.BlockDeviceMappings ?? [];
    return new Set(mappings.map((m) => m.DeviceName ?? '').map((d) => d.replace('/dev/sd', '/dev/xvd')));
  };

  return {
    noun: 'EBS volume',
    async find(want) {
      const me = await identity();
      const filters = [
        { Name: `tag:${CLUSTER_TAG}`, Values: [want.cluster] },
        { Name: `tag:${ETCD_CLUSTER_TAG}`, Values: [want.etcdCluster] },
        { Name: `tag:${ETCD_MEMBER_TAG}`, Values: [want.member] },
        { Name: 'availability-zone', Values: [me.zone] },
      ];
      const out = await (await ec2()).send(new DescribeVolumesCommand({ Filters: filters }));
      const found = (out.Volumes ?? []).filter((v) => v.State !== 'deleting' && v.State !== 'deleted');
      const v = exactlyOne(found, `etcd cluster ${want.etcdCluster} member ${want.member} (tags ${CLUSTER_TAG}=${want.cluster}, ${ETCD_CLUSTER_TAG}, ${ETCD_MEMBER_TAG}) in ${me.zone}`, 'EBS volume', (x) => x.VolumeId ?? '?');
      const attachedHere = v.Attachments?.find((a) => a.InstanceId === me.instanceId && a.State !== 'detaching' && a.State !== 'detached');
      return { id: v.VolumeId!, devices: attachedHere?.Device ? ebsDevices(v.VolumeId!, attachedHere.Device) : [] };
    },
    async attach(volume, want) {
      const me = await identity();
      let v = await describe(volume.id);
      const holder = v.Attachments?.find((a) => a.State !== 'detached');
      if (holder?.InstanceId === me.instanceId && holder.Device) return { id: volume.id, devices: ebsDevices(volume.id, holder.Device) };
      if (holder?.InstanceId !== undefined) {
        const state = await instanceState(holder.InstanceId);
        if (!GONE.has(state)) {
          throw new HoistError('CONFLICT', `EBS volume ${volume.id} of etcd ${want.etcdCluster} member ${want.member} is attached to ${holder.InstanceId}, which is ${state}: it keeps the member's volume`, {
            hint: `a member runs on one machine at a time; terminate ${holder.InstanceId} (or detach the volume from it) and this machine claims the volume when nodeup runs again`,
          });
        }
      }
      if (v.State !== 'available') {
        await waitUntilVolumeAvailable({ client: await ec2(), maxWaitTime: options.releaseTimeoutS ?? 600, minDelay: 2, maxDelay: 10 }, { VolumeIds: [volume.id] });
      }
      const used = await usedDevices(me.instanceId);
      const free = DEVICES.filter((d) => !used.has(d));
      const first = Math.max(0, free.indexOf(DEVICES[['main', 'events'].indexOf(want.etcdCluster)] ?? ''));
      // Two etcd clusters claim at once: a device name the other just took is refused, and the next is tried.
      for (const device of [...free.slice(first), ...free.slice(0, first)]) {
        try {
          await (await ec2()).send(new AttachVolumeCommand({ VolumeId: volume.id, InstanceId: me.instanceId, Device: device }));
        } catch (e) {
          if (e instanceof Error && /already in use|is in use/i.test(e.message)) continue;
          throw e;
        }
        for (let i = 0; i < 300; i++) {
          v = await describe(volume.id);
          const a = v.Attachments?.find((x) => x.InstanceId === me.instanceId);
          if (a?.State === 'attached') return { id: volume.id, devices: ebsDevices(volume.id, a.Device ?? device) };
          await new Promise((r) => setTimeout(r, 1000));
        }
        throw new HoistError('ABORTED', `EBS volume ${volume.id} was not attached to ${me.instanceId} within 300 s`);
      }
      throw new HoistError('CONFLICT', `no free device name for EBS volume ${volume.id} on ${me.instanceId} (${DEVICES.join(', ')} are all in use)`);
    },
  };
}

