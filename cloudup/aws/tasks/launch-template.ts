/**
 * LaunchTemplate: what an instance group's machines boot with. Versions are immutable, so a
 * change is a new version (updatedOutputs: latestVersion), which the Auto Scaling group then
 * points at, and which marks running machines out of date. The new version also becomes the
 * template's default, so that whatever launches from `$Default` gets the current configuration.
 *
 * Desired (CreateLaunchTemplate's LaunchTemplateData): `launchTemplateName`, `imageId`
 * (`ami-…` or `resolve:ssm:<parameter>`), `instanceType`, `userData` (plain text; sent base64),
 * `iamInstanceProfile` (name), `securityGroupIds`, `keyName` ("" for none),
 * `associatePublicIpAddress`, `rootVolume` {deviceName, volumeSize, volumeType, encrypted},
 * `metadataOptions` {httpTokens, httpPutResponseHopLimit}, `instanceTags`, `volumeTags` (tags
 * of the instances and volumes launched), `tags` (of the template). Outputs: `id`, `latestVersion`.
 */

import { CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, DeleteLaunchTemplateCommand, ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import type { LaunchTemplateVersion, RequestLaunchTemplateData, ResponseLaunchTemplateData } from '@aws-sdk/client-ec2';
import type { LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { clientToken } from '../context.js';
import { listLaunchTemplates } from '../listings/ec2.js';
import type { ListedTemplate } from '../listings/ec2.js';
import { awsTags, tagMap, tagSpec, userTags } from '../tags.js';
import { awsKind, changedFields, map, num, str, strs } from './kind.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

function requestData(d: ResolvedFields): RequestLaunchTemplateData {
  const root = d['rootVolume'] as ResolvedFields;
  const metadata = d['metadataOptions'] as ResolvedFields;
  const keyName = str(d, 'keyName');
  return {
    ImageId: str(d, 'imageId'),
    InstanceType: str(d, 'instanceType') as never,
    UserData: Buffer.from(str(d, 'userData')).toString('base64'),
    IamInstanceProfile: { Name: str(d, 'iamInstanceProfile') },
    ...(keyName === '' ? {} : { KeyName: keyName }),
    NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: d['associatePublicIpAddress'] === true, DeleteOnTermination: true, Groups: strs(d, 'securityGroupIds') }],
    BlockDeviceMappings: [
      { DeviceName: str(root, 'deviceName'), Ebs: { VolumeSize: num(root, 'volumeSize'), VolumeType: str(root, 'volumeType') as never, Encrypted: root['encrypted'] === true, DeleteOnTermination: true } },
    ],
    MetadataOptions: { HttpTokens: str(metadata, 'httpTokens') as never, HttpPutResponseHopLimit: num(metadata, 'httpPutResponseHopLimit'), HttpEndpoint: 'enabled' },
    TagSpecifications: [
      { ResourceType: 'instance', Tags: awsTags(map(d, 'instanceTags')) },
      { ResourceType: 'volume', Tags: awsTags(map(d, 'volumeTags')) },
    ],
  };
}

/** The fields of a version, in the shape the model writes them. */
export function versionFields(name: string, data: ResponseLaunchTemplateData | undefined): ResolvedFields {
  if (!data) return { launchTemplateName: name };
  const nic = data.NetworkInterfaces?.find((n) => (n.DeviceIndex ?? 0) === 0);
  const disk = data.BlockDeviceMappings?.[0];
  const tagsOf = (type: string) => userTags(tagMap(data.TagSpecifications?.find((t) => t.ResourceType === type)?.Tags));
  return {
    launchTemplateName: name,
    imageId: data.ImageId ?? '',
    instanceType: data.InstanceType ?? '',
    userData: data.UserData ? Buffer.from(data.UserData, 'base64').toString('utf8') : '',
    iamInstanceProfile: data.IamInstanceProfile?.Name ?? data.IamInstanceProfile?.Arn?.split('/').at(-1) ?? '',
    securityGroupIds: [...(nic?.Groups ?? data.SecurityGroupIds ?? [])],
    keyName: data.KeyName ?? '',
    associatePublicIpAddress: nic?.AssociatePublicIpAddress ?? false,
    rootVolume: {
      deviceName: disk?.DeviceName ?? '',
      volumeSize: disk?.Ebs?.VolumeSize ?? 0,
      volumeType: disk?.Ebs?.VolumeType ?? '',
      encrypted: disk?.Ebs?.Encrypted ?? false,
    },
    metadataOptions: { httpTokens: data.MetadataOptions?.HttpTokens ?? 'optional', httpPutResponseHopLimit: data.MetadataOptions?.HttpPutResponseHopLimit ?? 1 },
    instanceTags: tagsOf('instance'),
    volumeTags: tagsOf('volume'),
  };
}

function toLive(ctx: AwsContext, t: ListedTemplate): LiveObject {
  const latest: LaunchTemplateVersion | undefined = t.latest;
  const version = String(latest?.VersionNumber ?? t.item.LatestVersionNumber ?? 1);
  return liveObject(ctx, t, t.item.LaunchTemplateId!, tagMap(t.item.Tags), versionFields(t.item.LaunchTemplateName!, latest?.LaunchTemplateData), { latestVersion: version });
}

export const launchTemplateKind = awsKind({
  kind: 'LaunchTemplate',
  uses: ['SecurityGroup', 'IAMInstanceProfile', 'KeyPair'],
  immutable: ['launchTemplateName'],
  // Every update is a new version, which the groups then point at.
  updatedOutputs: ['latestVersion'],
  list: async (ctx) => (await listLaunchTemplates(ctx)).map((t) => toLive(ctx, t)),
  async create(ctx, task, d) {
    const out = await ctx.clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: str(d, 'launchTemplateName'),
        LaunchTemplateData: requestData(d),
        TagSpecifications: tagSpec('launch-template', map(d, 'tags')),
        ClientToken: clientToken(ctx, task.name),
      }),
    );
    const t = out.LaunchTemplate!;
    const { tags: _tags, ...fields } = d;
    return liveObject(ctx, { owner: 'hoist' }, t.LaunchTemplateId!, map(d, 'tags'), fields, { latestVersion: String(t.LatestVersionNumber ?? 1) });
  },
  async update(ctx, task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('tags')) await syncEc2Tags(ctx, live.id, map(d, 'tags'), liveTags(live));
    changed.delete('tags');
    if (changed.size === 0) return live;
    const out = await ctx.clients.ec2.send(
      new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: live.id, LaunchTemplateData: requestData(d), ClientToken: clientToken(ctx, `${task.name}@${live.outputs['latestVersion']}`) }),
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
