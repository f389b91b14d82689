/**
 * The plan's listing of Auto Scaling groups on moto, past AWS's page of 100: the groups the plan
 * wants are described by name in batches sent at once, the ones it no longer wants are found
 * through their ownership tags, and the result is what a listing by tag gives, in a number of
 * calls set by the pages and not by the groups.
 */

import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsContext } from '../../cloudup/aws/context.js';
import { Listings } from '../../cloudup/aws/context.js';
import { listAutoScalingGroups } from '../../cloudup/aws/listings/autoscaling-groups.js';
import { testAccount } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'asg-listing.aws.example.com';
const OWNED = `kubernetes.io/cluster/${NAME}`;
/** Past two batches of names and two pages of tags. */
const PLANNED = Array.from({ length: 130 }, (_, i) => `nodes-${String(i).padStart(3, '0')}.${NAME}`);

let account: TestAccount;
/** Auto Scaling calls by command, counted from the client's middleware. */
const calls = new Map<string, number>();

async function group(name: string, tags: Record<string, string>, templateId: string): Promise<void> {
  await account.clients.autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateId: templateId, Version: '$Latest' },
      MinSize: 0,
      MaxSize: 0,
      AvailabilityZones: ['us-east-1a'],
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value, ResourceId: name, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true })),
    }),
  );
}

function context(): AwsContext {
  // What the listing reads of a session's context: the Auto Scaling client, the cluster, the plan's listings.
  return { clients: account.clients, cluster: NAME, listings: new Listings() } as unknown as AwsContext;
}

beforeAll(async () => {
  account = await testAccount();
  const template = await account.clients.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'groups', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.micro' } }));
  const id = template.LaunchTemplate!.LaunchTemplateId!;
  const hoists = { [OWNED]: 'owned', 'hoist.dev/cluster': NAME };
  const all: [string, Record<string, string>][] = [
    ...PLANNED.map((n): [string, Record<string, string>] => [n, hoists]),
    // Owned, and no longer planned: one hoist made, one Kubernetes's (no hoist tag).
    [`gone.${NAME}`, hoists],
    [`autoscaler.${NAME}`, { [OWNED]: 'owned' }],
    // Not the cluster's: hoist's tag without the ownership tag, and another cluster's group of a planned name's form.
    [`stray.${NAME}`, { 'hoist.dev/cluster': NAME }],
    [`nodes-999.${NAME}`, { 'kubernetes.io/cluster/other.example.com': 'owned' }],
  ];
  for (let i = 0; i < all.length; i += 20) await Promise.all(all.slice(i, i + 20).map(([n, tags]) => group(n, tags, id)));
  account.clients.autoscaling.middlewareStack.add(
    (next, ctx) => async (args) => {
      const command = (ctx as { commandName?: string }).commandName ?? '?';
      calls.set(command, (calls.get(command) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
});

afterAll(() => account?.close());

describe("a plan's Auto Scaling groups", () => {
  it('are described by name in batches, the unplanned owned ones found by their tags, as a listing by tag finds them', async () => {
    calls.clear();
    const planned = await listAutoScalingGroups(context(), [...PLANNED, `nodes-999.${NAME}`]);
    // 131 names in two batches of at most 100 and the two unplanned ones in a third; 132 owned tags in two pages.
    expect(Object.fromEntries(calls)).toEqual({ DescribeAutoScalingGroupsCommand: 3, DescribeTagsCommand: 2 });
    const owners = (listed: typeof planned) => new Map(listed.map((g) => [g.item.AutoScalingGroupName!, g.owner]));
    const found = owners(planned);
    expect(found.size).toBe(132);
    expect(PLANNED.every((n) => found.get(n) === 'hoist')).toBe(true);
    expect([found.get(`gone.${NAME}`), found.get(`autoscaler.${NAME}`), found.has(`stray.${NAME}`), found.has(`nodes-999.${NAME}`)]).toEqual(['hoist', 'kubernetes', false, false]);

    calls.clear();
    const byTag = await listAutoScalingGroups(context());
    expect(Object.fromEntries(calls)).toEqual({ DescribeAutoScalingGroupsCommand: 2 });
    expect(owners(byTag)).toEqual(found);
  });
});
