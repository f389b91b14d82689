/** The cluster's machines as `get instances` shows them: state, address, and template versions. */

import { paginateDescribeInstances } from '@aws-sdk/client-ec2';
import type { Instance } from '@aws-sdk/client-ec2';
import type { CloudInstance } from '../provider.js';
import { INSTANCE_GROUP_TAG, ROLE_TAG } from '../tags.js';
import type { AwsContext } from './context.js';
import { listLaunchTemplates } from './listings/launch-templates.js';
import { ownedFilter, ownership, tagMap } from './tags.js';

export async function listAwsInstances(ctx: AwsContext): Promise<CloudInstance[]> {
  ctx.listings.clear();
  const [reservations, templates] = await Promise.all(
    [
      (async () => {
        const out: Instance[] = [];
        for await (const page of paginateDescribeInstances({ client: ctx.clients.ec2, pageSize: 1000 }, { Filters: ownedFilter(ctx.cluster) })) {
          out.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
        }
        return out;
      })(),
      listLaunchTemplates(ctx),
    ] as const,
  );
  const latest = new Map(templates.map((t) => [t.item.LaunchTemplateId, t.item.LatestVersionNumber]));
  return reservations.flatMap((i): CloudInstance[] => {
    const tags = tagMap(i.Tags);
    if (ownership(tags, ctx.cluster) !== 'hoist') return [];
    // EC2 tags what a launch template launched with the template's id and version.
    const version = Number(tags['aws:ec2launchtemplate:version']);
    const latestVersion = latest.get(tags['aws:ec2launchtemplate:id']);
    return [
      {
        id: i.InstanceId!,
        instanceGroup: tags[INSTANCE_GROUP_TAG] ?? '',
        role: tags[ROLE_TAG] ?? '',
        state: i.State?.Name ?? 'unknown',
        ...(i.PrivateIpAddress ? { address: i.PrivateIpAddress } : {}),
        launchedAt: (i.LaunchTime ?? new Date(0)).toISOString(),
        ...(Number.isFinite(version) && version > 0 ? { templateVersion: version } : {}),
        ...(latestVersion !== undefined ? { latestTemplateVersion: latestVersion } : {}),
      },
    ];
  });
}
