/**
 * LaunchTemplate: what an instance group's machines boot with. Versions are immutable, so a
 * change is a new version (updatedOutputs: latestVersion), which the Auto Scaling group then
 * points at, and which marks running machines out of date. The new version also becomes the
 * template's default, so that whatever launches from `$Default` gets the current configuration,
 * and the template's `hoist.dev/version-hash` tag records it, so that a plan need not read it
 * again while it is the latest (launch-template-live.ts).
 *
 * The desired fields are CreateLaunchTemplate's LaunchTemplateData (launch-template-data.ts),
 * with the template's tags, default version and version tag. Outputs: `id`, `latestVersion`.
 */

import { CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, CreateTagsCommand, DeleteLaunchTemplateCommand, ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import type { ResolvedFields, Task, TaskConstructor } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { clientToken } from '../context.js';
import { listLaunchTemplates } from '../listings/launch-templates.js';
import { tagSpec } from '../tags.js';
import type { TagMap } from '../tags.js';
import { awsKind, changedFields } from './kind.js';
import { launchTemplateData } from './launch-template-data.js';
import type { SpotOptions } from './launch-template-data.js';
import { discoverTemplates, LATEST, VERSION_HASH_TAG, versionTag, wantedFields } from './launch-template-live.js';
import { liveObject, liveTags, syncEc2Tags } from './live.js';

export { decodeUserData, encodeUserData, launchTemplateData, spotOptions, versionFields } from './launch-template-data.js';
export type { SpotOptions } from './launch-template-data.js';
export { LATEST, VERSION_HASH_TAG } from './launch-template-live.js';

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
  /** IPv6 addresses of the machine's first interface (1 in an IPv6 cluster). Absent: not compared. */
  readonly ipv6AddressCount?: number;
  /** IPv6 /80 prefixes delegated to the first interface (1 in an IPv6 cluster: its pods' range). Absent: not compared. */
  readonly ipv6PrefixCount?: number;
  /** The instance metadata service on its IPv6 address too ('enabled' in an IPv6 cluster). Absent: not compared. */
  readonly httpProtocolIpv6?: 'enabled' | 'disabled';
  /** `iops`, `throughput` and `kmsKeyId` only where the spec sets them (AWS's defaults otherwise). */
  readonly rootVolume: EbsDevice;
  /** Extra volumes made with each machine ([] for none). */
  readonly volumes?: readonly (EbsDevice & { readonly deleteOnTermination: boolean })[];
  readonly metadataOptions: { readonly httpTokens: 'required' | 'optional'; readonly httpPutResponseHopLimit: number };
  /**
   * Spot instances at most this price (US dollars an hour), and what EC2 does when it takes one
   * back (absent: terminate, EC2's default); null for On-Demand.
   */
  readonly spot?: SpotOptions | null;
  /** CPU credits of a burstable type; "" for the type's default. */
  readonly cpuCredits?: string;
  /** Detailed (one-minute) CloudWatch monitoring. */
  readonly monitoring?: boolean;
  /** `default` (shared hardware, sent as no Placement), `dedicated` or `host`. */
  readonly tenancy?: string;
  /** EBS-optimized; false: the instance type's own setting (sent as nothing). */
  readonly ebsOptimized?: boolean;
  /** Tags of the instances and volumes launched. */
  readonly instanceTags: TagMap;
  readonly volumeTags: TagMap;
  /** Tags of the template itself. */
  readonly tags: TagMap;
  /**
   * `$Latest`: the latest version is the template's default (live: the default's number when it
   * is not). Set by launchTemplateTask.
   */
  readonly defaultVersion?: typeof LATEST;
  /** The template's `hoist.dev/version-hash` tag names its latest version. Set by launchTemplateTask. */
  readonly versionHashTag?: boolean;
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

const templateTask = taskConstructor<LaunchTemplateFields>('LaunchTemplate');

/** A template's task: hoist always keeps its latest version the default and recorded in its tag. */
export const launchTemplateTask: TaskConstructor<LaunchTemplateFields> = (name, desired, options) =>
  templateTask(name, { ...desired, defaultVersion: LATEST, versionHashTag: true }, options);

/** Fields that belong to the template, not to a version: changed without making one. */
const TEMPLATE_STATE = new Set(['tags', 'defaultVersion', 'versionHashTag']);

async function tagVersion(ctx: AwsContext, id: string, version: string, d: LaunchTemplateFields): Promise<void> {
  await ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: VERSION_HASH_TAG, Value: versionTag(version, fields(d)) }] }));
}

const fields = (d: LaunchTemplateFields) => d as unknown as ResolvedFields;

export const launchTemplateKind = awsKind<LaunchTemplateFields>({
  kind: 'LaunchTemplate',
  uses: ['SecurityGroup', 'IAMInstanceProfile', 'KeyPair'],
  immutable: ['launchTemplateName'],
  // Every update is a new version, which the groups then point at.
  updatedOutputs: ['latestVersion'],
  listReadsTasks: true,
  // The listing `list` shares (ctx.listings): a failure there is list's to report.
  prefetch: (ctx) => void listLaunchTemplates(ctx).catch(() => undefined),
  async list(ctx, desired?: readonly Task[]) {
    if (desired === undefined) return discoverTemplates(ctx, undefined);
    // The templates' listing starts now, not once the listings the tasks' references read have come.
    const [wanted] = await Promise.all([wantedFields(ctx, desired), listLaunchTemplates(ctx)]);
    return discoverTemplates(ctx, wanted);
  },
  // After a create whose answer was lost: the template, read only if its tag does not show it holds `d`.
  find: async (ctx, task, d) => (await discoverTemplates(ctx, new Map([[task.name, fields(d)]]))).find((o) => o.name === task.name && !o.shared),
  async create(ctx, task, d) {
    const out = await ctx.clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: d.launchTemplateName,
        LaunchTemplateData: launchTemplateData(d),
        // A new template's only version is 1, so its tag is written with it.
        TagSpecifications: tagSpec('launch-template', { ...d.tags, [VERSION_HASH_TAG]: versionTag(1, fields(d)) }),
        ClientToken: clientToken(ctx, task.name),
      }),
    );
    const t = out.LaunchTemplate!;
    const { tags: _tags, ...rest } = d;
    return liveObject(ctx, { owner: 'hoist' }, t.LaunchTemplateId!, d.tags, { ...rest, defaultVersion: LATEST, versionHashTag: true }, { latestVersion: String(t.LatestVersionNumber ?? 1) });
  },
  async update(ctx, task, live, d, changes) {
    const changed = changedFields(changes);
    if (changed.has('tags')) await syncEc2Tags(ctx, live.id, d.tags, liveTags(live));
    const { tags: _tags, ...rest } = d;
    const updated = { ...live, fields: { ...live.fields, ...rest, defaultVersion: LATEST, versionHashTag: true } };
    if ([...changed].every((f) => TEMPLATE_STATE.has(f))) {
      // The latest version holds what the task wants (nothing else differs): point at it.
      const latest = String(live.outputs['latestVersion']);
      if (changed.has('defaultVersion')) await ctx.clients.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: live.id, DefaultVersion: latest }));
      if (changed.has('versionHashTag')) await tagVersion(ctx, live.id, latest, d);
      return updated;
    }
    const out = await ctx.clients.ec2.send(
      new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: live.id, LaunchTemplateData: launchTemplateData(d), ClientToken: clientToken(ctx, `${task.name}@${live.outputs['latestVersion']}`) }),
    );
    const version = String(out.LaunchTemplateVersion!.VersionNumber);
    await ctx.clients.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: live.id, DefaultVersion: version }));
    // Last: a tag that names the new version says it is complete (a crash before leaves it read next time).
    await tagVersion(ctx, live.id, version, d);
    return { ...updated, outputs: { ...live.outputs, latestVersion: version } };
  },
  async delete(ctx, live) {
    await ctx.clients.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: live.id }));
  },
});
