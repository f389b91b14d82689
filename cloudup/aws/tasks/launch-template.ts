/**
 * LaunchTemplate: what an instance group's machines boot with. Versions are immutable, so a
 * change is a new version (updatedOutputs: latestVersion), which the Auto Scaling group then
 * points at, and which marks running machines out of date. The new version also becomes the
 * template's default, so that whatever launches from `$Default` gets the current configuration.
 *
 * The desired fields are CreateLaunchTemplate's LaunchTemplateData. Outputs: `id`, `latestVersion`.
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import { CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, DeleteLaunchTemplateCommand, ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import type {
  LaunchTemplateBlockDeviceMapping,
  LaunchTemplateBlockDeviceMappingRequest,
  LaunchTemplateVersion,
  RequestLaunchTemplateData,
  ResponseLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import type { LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { clientToken } from '../context.js';
import { listLaunchTemplates } from '../listings/ec2.js';
import type { ListedTemplate } from '../listings/ec2.js';
import { awsTags, tagMap, tagSpec, userTags } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export interface LaunchTemplateFields {
  readonly launchTemplateName: string;
  /** `ami-…` or `resolve:ssm:<parameter>`. */
  readonly imageId: string;
  readonly instanceType: string;
  /** The boot script, as plans show it; sent gzip'd (`encodeUserData`) and base64. */
  readonly userData: string;
  /** The instance profile's name. */
  readonly iamInstanceProfile: string;
  readonly securityGroupIds: readonly string[];
  /** "" for none. */
  readonly keyName: string;
  readonly associatePublicIpAddress: boolean;
  /** `iops`, `throughput` and `kmsKeyId` only where the spec sets them (AWS's defaults otherwise). */
  readonly rootVolume: EbsDevice;
  /** Extra volumes made with each machine ([] for none). */
  readonly volumes?: readonly (EbsDevice & { readonly deleteOnTermination: boolean })[];
  readonly metadataOptions: { readonly httpTokens: 'required' | 'optional'; readonly httpPutResponseHopLimit: number };
  /** Spot instances at most this price (US dollars an hour); null for On-Demand. */
  readonly spot?: { readonly maxPrice: string } | null;
  /** CPU credits of a burstable type; "" for the type's default. */
  readonly cpuCredits?: string;
  /** Detailed (one-minute) CloudWatch monitoring. */
  readonly monitoring?: boolean;
  /** Tags of the instances and volumes launched. */
  readonly instanceTags: TagMap;
  readonly volumeTags: TagMap;
  /** Tags of the template itself. */
  readonly tags: TagMap;
}

// A type, not an interface: task fields must be plain values (an index signature).
export type EbsDevice = {
  readonly deviceName: string;
  readonly volumeSize: number;
  readonly volumeType: string;
  readonly encrypted: boolean;
  readonly iops?: number;
  readonly throughput?: number;
  readonly kmsKeyId?: string;
};

export const launchTemplateTask = taskConstructor<LaunchTemplateFields>('LaunchTemplate');

function ebs(v: EbsDevice, deleteOnTermination: boolean): LaunchTemplateBlockDeviceMappingRequest {
  return {
    DeviceName: v.deviceName,
    Ebs: {
      VolumeSize: v.volumeSize,
      VolumeType: v.volumeType as never,
      Encrypted: v.encrypted,
      DeleteOnTermination: deleteOnTermination,
      ...(v.iops === undefined ? {} : { Iops: v.iops }),
      ...(v.throughput === undefined ? {} : { Throughput: v.throughput }),
      ...(v.kmsKeyId === undefined ? {} : { KmsKeyId: v.kmsKeyId }),
    },
  };
}

function ebsFields(m: LaunchTemplateBlockDeviceMapping | undefined): EbsDevice {
  const e = m?.Ebs;
  return {
    deviceName: m?.DeviceName ?? '',
    volumeSize: e?.VolumeSize ?? 0,
    volumeType: e?.VolumeType ?? '',
    encrypted: e?.Encrypted ?? false,
    ...(e?.Iops === undefined ? {} : { iops: e.Iops }),
    ...(e?.Throughput === undefined ? {} : { throughput: e.Throughput }),
    ...(e?.KmsKeyId === undefined ? {} : { kmsKeyId: e.KmsKeyId }),
  };
}

/** CreateLaunchTemplate's LaunchTemplateData for the fields: what EC2 is sent. */
export function launchTemplateData(d: LaunchTemplateFields): RequestLaunchTemplateData {
  const root = d.rootVolume;
  return {
    ImageId: d.imageId,
    InstanceType: d.instanceType as never,
    UserData: encodeUserData(d.userData).toString('base64'),
    IamInstanceProfile: { Name: d.iamInstanceProfile },
    ...(d.keyName === '' ? {} : { KeyName: d.keyName }),
    NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: d.associatePublicIpAddress, DeleteOnTermination: true, Groups: [...d.securityGroupIds] }],
    BlockDeviceMappings: [ebs(root, true), ...(d.volumes ?? []).map((v) => ebs(v, v.deleteOnTermination))],
    MetadataOptions: { HttpTokens: d.metadataOptions.httpTokens, HttpPutResponseHopLimit: d.metadataOptions.httpPutResponseHopLimit, HttpEndpoint: 'enabled' },
    ...(d.spot ? { InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: d.spot.maxPrice } } } : {}),
    ...(d.cpuCredits ? { CreditSpecification: { CpuCredits: d.cpuCredits } } : {}),
    ...(d.monitoring === undefined ? {} : { Monitoring: { Enabled: d.monitoring } }),
    TagSpecifications: [
      { ResourceType: 'instance', Tags: awsTags(d.instanceTags) },
      { ResourceType: 'volume', Tags: awsTags(d.volumeTags) },
    ],
  };
}

/**
 * What EC2 is sent for user data `text` (before base64): gzip'd, which cloud-init unpacks and
 * which keeps a boot script far below AWS's 16 KB limit. Node's gzip header names no file and
 * no time, so the same script is always the same bytes.
 */
export function encodeUserData(text: string): Buffer {
  return gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
}

/** The text of user data as EC2 returns it (after base64): gzip'd, or plain as other tools send it. */
export function decodeUserData(bytes: Buffer): string {
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** The fields of a version, in the shape the model writes them. */
export function versionFields(name: string, data: ResponseLaunchTemplateData | undefined): ResolvedFields {
  if (!data) return { launchTemplateName: name };
  const nic = data.NetworkInterfaces?.find((n) => (n.DeviceIndex ?? 0) === 0);
  const [disk, ...more] = data.BlockDeviceMappings ?? [];
  const tagsOf = (type: string) => userTags(tagMap(data.TagSpecifications?.find((t) => t.ResourceType === type)?.Tags));
  return {
    launchTemplateName: name,
    imageId: data.ImageId ?? '',
    instanceType: data.InstanceType ?? '',
    userData: data.UserData ? decodeUserData(Buffer.from(data.UserData, 'base64')) : '',
    iamInstanceProfile: data.IamInstanceProfile?.Name ?? data.IamInstanceProfile?.Arn?.split('/').at(-1) ?? '',
    securityGroupIds: [...(nic?.Groups ?? data.SecurityGroupIds ?? [])],
    keyName: data.KeyName ?? '',
    associatePublicIpAddress: nic?.AssociatePublicIpAddress ?? false,
    rootVolume: ebsFields(disk),
    volumes: more.map((m) => ({ ...ebsFields(m), deleteOnTermination: m.Ebs?.DeleteOnTermination ?? true })),
    metadataOptions: { httpTokens: data.MetadataOptions?.HttpTokens ?? 'optional', httpPutResponseHopLimit: data.MetadataOptions?.HttpPutResponseHopLimit ?? 1 },
    spot: data.InstanceMarketOptions?.MarketType === 'spot' ? { maxPrice: data.InstanceMarketOptions.SpotOptions?.MaxPrice ?? '' } : null,
    cpuCredits: data.CreditSpecification?.CpuCredits ?? '',
    monitoring: data.Monitoring?.Enabled ?? false,
    instanceTags: tagsOf('instance'),
    volumeTags: tagsOf('volume'),
  };
}

function toLive(ctx: AwsContext, t: ListedTemplate): LiveObject {
  const latest: LaunchTemplateVersion | undefined = t.latest;
  const version = String(latest?.VersionNumber ?? t.item.LatestVersionNumber ?? 1);
  return liveObject(ctx, t, t.item.LaunchTemplateId!, tagMap(t.item.Tags), versionFields(t.item.LaunchTemplateName!, latest?.LaunchTemplateData), { latestVersion: version });
}

export const launchTemplateKind = awsKind<LaunchTemplateFields>({
  kind: 'LaunchTemplate',
  uses: ['SecurityGroup', 'IAMInstanceProfile', 'KeyPair'],
  immutable: ['launchTemplateName'],
  // Every update is a new version, which the groups then point at.
  updatedOutputs: ['latestVersion'],
  list: async (ctx) => (await listLaunchTemplates(ctx)).map((t) => toLive(ctx, t)),
  async create(ctx, task, d) {
    const out = await ctx.clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: d.launchTemplateName,
        LaunchTemplateData: launchTemplateData(d),
        TagSpecifications: tagSpec('launch-template', d.tags),
        ClientToken: clientToken(ctx, task.name),
      }),
    );
    const t = out.LaunchTemplate!;
    const { tags: _tags, ...fields } = d;
    return liveObject(ctx, { owner: 'hoist' }, t.LaunchTemplateId!, d.tags, fields, { latestVersion: String(t.LatestVersionNumber ?? 1) });
  },
  async update(ctx, task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('tags')) await syncEc2Tags(ctx, live.id, d.tags, liveTags(live));
    changed.delete('tags');
    if (changed.size === 0) return live;
    const out = await ctx.clients.ec2.send(
      new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: live.id, LaunchTemplateData: launchTemplateData(d), ClientToken: clientToken(ctx, `${task.name}@${live.outputs['latestVersion']}`) }),
    );
    const version = String(out.LaunchTemplateVersion!.VersionNumber);
    await ctx.clients.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: live.id, DefaultVersion: version }));
    const { tags: _tags, ...fields } = d;
    return { ...live, fields: { ...live.fields, ...fields }, outputs: { ...live.outputs, latestVersion: version } };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: live.id }));
  },
});
