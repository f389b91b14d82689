/**
 * A launch template's fields both ways: the LaunchTemplateData EC2 is sent for them, and the
 * fields a version's data reads back as, in the shape the model writes them.
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import type { LaunchTemplateBlockDeviceMapping, LaunchTemplateBlockDeviceMappingRequest, RequestLaunchTemplateData, ResponseLaunchTemplateData } from '@aws-sdk/client-ec2';
import type { ResolvedFields } from '../../../src/engine/task.js';
import { awsTags, tagMap, userTags } from '../tags.js';
import type { EbsDevice, LaunchTemplateFields } from './launch-template.js';

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

/** A spot template's SpotOptions; no instanceInterruptionBehavior stands for terminate. */
export type SpotOptions = {
  readonly maxPrice: string;
  readonly instanceInterruptionBehavior?: 'stop' | 'hibernate';
};

/**
 * The spot options of `maxPrice` and an interruption behavior (EC2's names), canonical: EC2's
 * default, terminate, is written as no behavior, so that a template made before the field
 * existed, or by a tool that sends it, compares equal, and is not sent.
 */
export function spotOptions(maxPrice: string, behavior: string | undefined): SpotOptions {
  return behavior === 'stop' || behavior === 'hibernate' ? { maxPrice, instanceInterruptionBehavior: behavior } : { maxPrice };
}

/** Shared hardware: what a template without Placement gets. */
export const DEFAULT_TENANCY = 'default';

/** CreateLaunchTemplate's LaunchTemplateData for the fields: what EC2 is sent. */
export function launchTemplateData(d: LaunchTemplateFields): RequestLaunchTemplateData {
  const root = d.rootVolume;
  return {
    ImageId: d.imageId,
    InstanceType: d.instanceType as never,
    UserData: encodeUserData(d.userData).toString('base64'),
    IamInstanceProfile: { Name: d.iamInstanceProfile },
    ...(d.keyName === '' ? {} : { KeyName: d.keyName }),
    NetworkInterfaces: [
      {
        DeviceIndex: 0,
        AssociatePublicIpAddress: d.associatePublicIpAddress,
        DeleteOnTermination: true,
        Groups: [...d.securityGroupIds],
        ...(d.ipv6AddressCount === undefined ? {} : { Ipv6AddressCount: d.ipv6AddressCount }),
        ...(d.ipv6PrefixCount === undefined ? {} : { Ipv6PrefixCount: d.ipv6PrefixCount }),
      },
    ],
    BlockDeviceMappings: [ebs(root, true), ...(d.volumes ?? []).map((v) => ebs(v, v.deleteOnTermination))],
    MetadataOptions: {
      HttpTokens: d.metadataOptions.httpTokens,
      HttpPutResponseHopLimit: d.metadataOptions.httpPutResponseHopLimit,
      HttpEndpoint: 'enabled',
      ...(d.httpProtocolIpv6 === undefined ? {} : { HttpProtocolIpv6: d.httpProtocolIpv6 }),
    },
    ...(d.spot ? { InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: d.spot.maxPrice, ...(d.spot.instanceInterruptionBehavior ? { InstanceInterruptionBehavior: d.spot.instanceInterruptionBehavior } : {}) } } } : {}),
    ...(d.cpuCredits ? { CreditSpecification: { CpuCredits: d.cpuCredits } } : {}),
    ...(d.monitoring === undefined ? {} : { Monitoring: { Enabled: d.monitoring } }),
    ...(d.tenancy === undefined || d.tenancy === DEFAULT_TENANCY ? {} : { Placement: { Tenancy: d.tenancy as never } }),
    ...(d.ebsOptimized ? { EbsOptimized: true } : {}),
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
    ipv6AddressCount: nic?.Ipv6AddressCount ?? nic?.Ipv6Addresses?.length ?? 0,
    ipv6PrefixCount: nic?.Ipv6PrefixCount ?? nic?.Ipv6Prefixes?.length ?? 0,
    httpProtocolIpv6: data.MetadataOptions?.HttpProtocolIpv6 ?? 'disabled',
    rootVolume: ebsFields(disk),
    volumes: more.map((m) => ({ ...ebsFields(m), deleteOnTermination: m.Ebs?.DeleteOnTermination ?? true })),
    metadataOptions: { httpTokens: data.MetadataOptions?.HttpTokens ?? 'optional', httpPutResponseHopLimit: data.MetadataOptions?.HttpPutResponseHopLimit ?? 1 },
    spot: data.InstanceMarketOptions?.MarketType === 'spot' ? { ...spotOptions(data.InstanceMarketOptions.SpotOptions?.MaxPrice ?? '', data.InstanceMarketOptions.SpotOptions?.InstanceInterruptionBehavior) } : null,
    cpuCredits: data.CreditSpecification?.CpuCredits ?? '',
    monitoring: data.Monitoring?.Enabled ?? false,
    tenancy: data.Placement?.Tenancy ?? DEFAULT_TENANCY,
    ebsOptimized: data.EbsOptimized ?? false,
    instanceTags: tagsOf('instance'),
    volumeTags: tagsOf('volume'),
  };
}

