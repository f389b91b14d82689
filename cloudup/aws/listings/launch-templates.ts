/**
 * Launch templates of one plan: the templates by tag (their tags, default and latest version
 * numbers) in one paged listing, and the data of their latest versions only where asked for.
 * A version's data (its user data above all) is most of what a plan would read from EC2, and
 * versions cannot change, so a template whose tag shows that its latest version is the one
 * hoist wrote is not read (tasks/launch-template-live.ts decides).
 */

import { DescribeLaunchTemplateVersionsCommand, paginateDescribeLaunchTemplates, paginateDescribeLaunchTemplateVersions } from '@aws-sdk/client-ec2';
import type { LaunchTemplate, LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import type { AwsContext } from '../context.js';
import { isNotFound } from '../errors.js';
import { ownedFilter } from '../tags.js';
import { collect, owned } from './ec2.js';
import type { Listed } from './ec2.js';
import { listAutoScalingGroups } from './autoscaling-groups.js';

/** The cluster's templates (in a teardown, also the untagged ones its groups launch from). */
export function listLaunchTemplates(ctx: AwsContext): Promise<Listed<LaunchTemplate>[]> {
  return ctx.listings.get('launchTemplates', async () => {
    const templates = owned(ctx, await collect(paginateDescribeLaunchTemplates({ client: ctx.clients.ec2, pageSize: 200 }, { Filters: ownedFilter(ctx.cluster) }), (p) => p.LaunchTemplates));
    if (!ctx.mode.reconciling) templates.push(...(await untaggedTemplatesOfGroups(ctx, templates)));
    return templates;
  });
}

/**
 * Up to this many templates are read one call each; more, with one paged listing of the latest
 * version of every template of the account. The API cannot name several templates in one call
 * nor filter versions by tag, so this keeps the calls bounded whatever the number of groups,
 * while one or two changed groups cost a few small answers instead of every group's user data.
 */
const READ_ONE_BY_ONE = 4;

/** The latest version of each template, by template id (a template deleted meanwhile is missing). */
export async function readLatestVersions(ctx: AwsContext, templates: readonly LaunchTemplate[]): Promise<Map<string, LaunchTemplateVersion>> {
  const ec2 = ctx.clients.ec2;
  if (templates.length === 0) return new Map();
  const versions =
    templates.length <= READ_ONE_BY_ONE
      ? (await Promise.all(templates.map((t) => readVersion(ctx, t.LaunchTemplateId!, String(t.LatestVersionNumber ?? '$Latest'))))).flat()
      : await collect(paginateDescribeLaunchTemplateVersions({ client: ec2, pageSize: 200 }, { Versions: ['$Latest'] }), (p) => p.LaunchTemplateVersions);
  const wanted = new Set(templates.map((t) => t.LaunchTemplateId));
  return new Map(versions.filter((v) => wanted.has(v.LaunchTemplateId)).map((v) => [v.LaunchTemplateId!, v]));
}

async function readVersion(ctx: AwsContext, id: string, version: string): Promise<LaunchTemplateVersion[]> {
  try {
    return (await ctx.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: [version] }))).LaunchTemplateVersions ?? [];
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

/**
 * Templates the cluster's groups launch from that lack its tags (made by hand, or their tags
 * removed): a teardown deletes them with their groups. Looked up only when there are any.
 */
async function untaggedTemplatesOfGroups(ctx: AwsContext, known: readonly Listed<LaunchTemplate>[]): Promise<Listed<LaunchTemplate>[]> {
  const have = new Set(known.map((t) => t.item.LaunchTemplateId));
  const groups = await listAutoScalingGroups(ctx);
  const missing = [
    ...new Set(
      groups
        .filter((g) => g.owner === 'hoist')
        .map((g) => g.item.LaunchTemplate?.LaunchTemplateId ?? g.item.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateId)
        .filter((id): id is string => id !== undefined && !have.has(id)),
    ),
  ];
  if (missing.length === 0) return [];
  try {
    const found = await collect(paginateDescribeLaunchTemplates({ client: ctx.clients.ec2 }, { LaunchTemplateIds: missing }), (p) => p.LaunchTemplates);
    return found.map((item) => ({ item, owner: 'kubernetes' as const }));
  } catch (e) {
    // A group may name a template that is gone already.
    if (isNotFound(e)) return [];
    throw e;
  }
}
