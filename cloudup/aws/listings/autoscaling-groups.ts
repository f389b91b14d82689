/**
 * The cluster's Auto Scaling groups, once per plan. A page of DescribeAutoScalingGroups holds at
 * most 100 groups and each page needs the one before's token, so a listing by tag of 201 groups is
 * three calls in a row, each the largest answer of its service. A session that reconciles a spec
 * knows the names of the groups it wants from the spec, before the plan's tasks exist: those are
 * described by name, in batches sent at once, while a listing of one
 * tag per group (Auto Scaling's DescribeTags, names only) finds the groups the cluster owns that
 * the plan no longer wants, and only those are described besides. The calls stay flat in the
 * number of groups but for AWS's page limits: ceil(n / 100) batches and ceil(n / 100) pages of
 * tags for n groups (two calls for a cluster of up to 100 groups, one more than a listing by tag).
 */

import { paginateDescribeAutoScalingGroups, paginateDescribeTags } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup, DescribeAutoScalingGroupsCommandInput } from '@aws-sdk/client-auto-scaling';
import { kubernetesClusterTag } from '../../tags.js';
import type { AwsContext } from '../context.js';
import { ownedFilter, ownership, tagMap } from '../tags.js';
import { collect } from './ec2.js';
import type { Listed } from './ec2.js';

/** AWS's most names per call (with MaxRecords at its most, 100), and its most groups or tags per page. */
const PAGE = 100;

/**
 * The groups the cluster owns (tagged `kubernetes.io/cluster/<name>: owned`), with who made them.
 * `planned`: the names of the groups the plan wants, when known (by default the session's,
 * AwsContext.plannedGroups); those not there are left out. The result is the same with or
 * without them: every caller of a plan shares one listing.
 */
export function listAutoScalingGroups(ctx: AwsContext, planned: readonly string[] | undefined = ctx.plannedGroups): Promise<Listed<AutoScalingGroup>[]> {
  return ctx.listings.get('autoScalingGroups', async () => {
    const groups = planned === undefined || planned.length === 0 ? await describeOwned(ctx) : await describePlanned(ctx, planned);
    return groups.flatMap((item) => {
      const tags = tagMap(item.Tags);
      // A group described by name may be another's: the tag the listing filters on is checked here.
      if (tags[kubernetesClusterTag(ctx.cluster)] !== 'owned') return [];
      const owner = ownership(tags, ctx.cluster);
      return owner ? [{ item, owner }] : [];
    });
  });
}

/**
 * Without their instances: a plan compares the groups' settings, and each instance would add its
 * id, zone, states and launch template to the answer (rolling updates list the instances).
 */
function describe(ctx: AwsContext, input: DescribeAutoScalingGroupsCommandInput): Promise<AutoScalingGroup[]> {
  return collect(paginateDescribeAutoScalingGroups({ client: ctx.clients.autoscaling, pageSize: PAGE }, { ...input, IncludeInstances: false }), (p) => p.AutoScalingGroups);
}

/** Every group by the ownership tag: pages in a row (a teardown, or a plan that wants no group). */
function describeOwned(ctx: AwsContext): Promise<AutoScalingGroup[]> {
  return describe(ctx, { Filters: ownedFilter(ctx.cluster) });
}

async function describePlanned(ctx: AwsContext, planned: readonly string[]): Promise<AutoScalingGroup[]> {
  const names = new Set(planned);
  const [wanted, extra] = await Promise.all([describeByName(ctx, [...names].sort()), ownedNames(ctx).then((owned) => describeByName(ctx, owned.filter((n) => !names.has(n))))]);
  return [...wanted, ...extra];
}

/** In batches of equal size, all sent at once; a name that no group has is left out by AWS. */
async function describeByName(ctx: AwsContext, names: readonly string[]): Promise<AutoScalingGroup[]> {
  if (names.length === 0) return [];
  const batches = Math.ceil(names.length / PAGE);
  const size = Math.ceil(names.length / batches);
  const described = await Promise.all(Array.from({ length: batches }, (_, i) => describe(ctx, { AutoScalingGroupNames: names.slice(i * size, (i + 1) * size) })));
  return described.flat();
}

/** The names of the groups that carry the ownership tag: one small item per group. */
async function ownedNames(ctx: AwsContext): Promise<string[]> {
  const filters = [
    { Name: 'key', Values: [kubernetesClusterTag(ctx.cluster)] },
    { Name: 'value', Values: ['owned'] },
  ];
  const tags = await collect(paginateDescribeTags({ client: ctx.clients.autoscaling, pageSize: PAGE }, { Filters: filters }), (p) => p.Tags);
  return [...new Set(tags.flatMap((t) => (t.ResourceId === undefined ? [] : [t.ResourceId])))];
}
