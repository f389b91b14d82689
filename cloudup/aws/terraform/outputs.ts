/**
 * The module's outputs: what scripts and other modules need from a cluster (its network, groups,
 * roles and API endpoint), each from the block of the task that makes it.
 */

import type { CompletedSpec } from '../../../src/api/index.js';
import type { TerraformModule, TfJson } from '../../../src/engine/target-terraform.js';
import { escapeTemplate } from '../../../src/engine/target-terraform.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf } from '../../../src/engine/task.js';
import { INSTANCE_GROUP_TAG } from '../../tags.js';
import type { TagMap } from '../tags.js';
import { fieldsOf } from './render.js';

export function moduleOutputs(module: TerraformModule, spec: CompletedSpec, tasks: readonly Task[]): Record<string, TfJson> {
  const cluster = spec.cluster.metadata.name;
  const attr = (id: TaskId, output: string): string | undefined => {
    const block = module.addressOf(id);
    const attribute = block?.attributes[output];
    return block && attribute !== undefined ? `\${${block.address}.${attribute}}` : undefined;
  };
  /** A tag of a task of a kind whose fields have `tags` (route tables, groups): plain text, never a Ref. */
  const tag = (t: Task, key: string): string | undefined => {
    const value = fieldsOf<{ readonly tags?: TagMap }>(t).tags?.[key];
    return typeof value === 'string' ? value : undefined;
  };
  const ofKind = (kind: string) => tasks.filter((t) => t.kind === kind);
  /** `<thing>.<cluster>` → `<thing>`; names that are ids (shared objects) stay as they are. */
  const short = (name: string) => (name.endsWith(`.${cluster}`) ? name.slice(0, -cluster.length - 1) : name);
  const byName = (kind: string, output: string, key: (t: Task) => string = (t) => short(t.name)): TfJson =>
    Object.fromEntries(ofKind(kind).flatMap((t) => {
      const value = attr(idOf(t), output);
      return value === undefined ? [] : [[escapeTemplate(key(t)), value]];
    }));

  const outputs: Record<string, TfJson> = {
    cluster_name: escapeTemplate(cluster),
    region: escapeTemplate(spec.cluster.spec.region ?? ''),
    api_server_url: escapeTemplate(`https://${spec.cluster.spec.api.publicName}`),
    subnet_ids: byName('Subnet', 'id'),
    route_table_ids: byName('RouteTable', 'id', (t) => tag(t, 'hoist.dev/route-table') ?? short(t.name)),
    security_group_ids: byName('SecurityGroup', 'id'),
    iam_role_arns: byName('IAMRole', 'arn'),
    autoscaling_group_names: byName('AutoScalingGroup', 'id', (t) => tag(t, INSTANCE_GROUP_TAG) ?? short(t.name)),
  };
  const vpc = ofKind('VPC')[0];
  if (vpc) {
    outputs['vpc_id'] = attr(idOf(vpc), 'id') ?? null;
    outputs['vpc_cidr_block'] = attr(idOf(vpc), 'cidrBlock') ?? null;
  }
  const lb = ofKind('LoadBalancer')[0];
  if (lb) outputs['api_load_balancer_dns_name'] = attr(idOf(lb), 'dnsName') ?? null;
  const zone = ofKind('HostedZone')[0];
  if (zone) outputs['hosted_zone_id'] = attr(idOf(zone), 'id') ?? null;
  return Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { value }]));
}
