/**
 * SecurityGroupRule: one ingress or egress rule with one source
 * (AuthorizeSecurityGroupIngress/Egress). Rules are read from the listing of the cluster's
 * groups and named by what they are (ruleName), so any change is a new rule and the old one's
 * removal: they are never updated in place.
 */

import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { IpPermission } from '@aws-sdk/client-ec2';
import type { LiveObject } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { hasName } from '../errors.js';
import { listSecurityGroups } from '../listings/ec2.js';
import { tagMap } from '../tags.js';
import { awsKind, liveFields } from './kind.js';

/** The one peer of a rule: its source (ingress) or destination (egress). */
export interface RulePeerFields {
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
  readonly sourceGroupId?: string;
}

export interface SecurityGroupRuleFields extends RulePeerFields {
  readonly groupId: string;
  readonly type: 'ingress' | 'egress';
  /** "tcp", "udp", "icmp", "-1" for all. */
  readonly ipProtocol: string;
  /** -1 for all. */
  readonly fromPort: number;
  readonly toPort: number;
}

export const securityGroupRuleTask = taskConstructor<SecurityGroupRuleFields>('SecurityGroupRule');

export interface RuleShape {
  readonly type: 'ingress' | 'egress';
  readonly ipProtocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  /** The source (ingress) or destination (egress) as a person reads it: a CIDR, a prefix list, a group's name. */
  readonly peer: string;
}

/** `ingress-tcp-22-from-0.0.0.0/0.nodes.demo.example.com`; `egress-all-to-0.0.0.0/0.nodes.…`. */
export function ruleName(rule: RuleShape, group: string): string {
  const proto = rule.ipProtocol === '-1' ? 'all' : rule.ipProtocol;
  const ports = rule.ipProtocol === '-1' || rule.fromPort === -1 ? '' : rule.fromPort === rule.toPort ? `-${rule.fromPort}` : `-${rule.fromPort}-${rule.toPort}`;
  return `${rule.type}-${proto}${ports}-${rule.type === 'ingress' ? 'from' : 'to'}-${rule.peer}.${group}`;
}

function permission(d: SecurityGroupRuleFields): IpPermission {
  const all = d.ipProtocol === '-1';
  return {
    IpProtocol: d.ipProtocol,
    ...(all ? {} : { FromPort: d.fromPort, ToPort: d.toPort }),
    ...(d.cidrIpv4 ? { IpRanges: [{ CidrIp: d.cidrIpv4 }] } : {}),
    ...(d.cidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: d.cidrIpv6 }] } : {}),
    ...(d.prefixListId ? { PrefixListIds: [{ PrefixListId: d.prefixListId }] } : {}),
    ...(d.sourceGroupId ? { UserIdGroupPairs: [{ GroupId: d.sourceGroupId }] } : {}),
  };
}

export const securityGroupRuleKind = awsKind<SecurityGroupRuleFields>({
  kind: 'SecurityGroupRule',
  uses: ['SecurityGroup'],
  immutable: ['groupId', 'type', 'ipProtocol', 'fromPort', 'toPort', 'cidrIpv4', 'cidrIpv6', 'prefixListId', 'sourceGroupId'],
  async list(ctx) {
    const groups = await listSecurityGroups(ctx);
    const nameOf = new Map(groups.map((g) => [g.item.GroupId, tagMap(g.item.Tags)['Name'] ?? g.item.GroupId!]));
    const out: LiveObject[] = [];
    for (const g of groups) {
      const group = nameOf.get(g.item.GroupId)!;
      const shared = g.owner === 'kubernetes' && ctx.mode.reconciling;
      for (const [type, perms] of [['ingress', g.item.IpPermissions], ['egress', g.item.IpPermissionsEgress]] as const) {
        for (const p of perms ?? []) {
          const base = { groupId: g.item.GroupId!, type, ipProtocol: p.IpProtocol ?? '-1', fromPort: p.FromPort ?? -1, toPort: p.ToPort ?? -1 };
          const peers: [string, RulePeerFields][] = [
            ...(p.IpRanges ?? []).map((r): [string, RulePeerFields] => [r.CidrIp!, { cidrIpv4: r.CidrIp! }]),
            ...(p.Ipv6Ranges ?? []).map((r): [string, RulePeerFields] => [r.CidrIpv6!, { cidrIpv6: r.CidrIpv6! }]),
            ...(p.PrefixListIds ?? []).map((r): [string, RulePeerFields] => [r.PrefixListId!, { prefixListId: r.PrefixListId! }]),
            ...(p.UserIdGroupPairs ?? []).map((r): [string, RulePeerFields] => [nameOf.get(r.GroupId) ?? r.GroupId!, { sourceGroupId: r.GroupId! }]),
          ];
          for (const [peer, source] of peers) {
            const name = ruleName({ ...base, peer }, group);
            // AWS gives every new group an "all out to anywhere over IPv6" rule in a dual-stack VPC.
            const awsDefault = type === 'egress' && base.ipProtocol === '-1' && source.cidrIpv6 === '::/0';
            out.push({ id: `${g.item.GroupId}:${name}`, name, fields: { ...base, ...source }, outputs: { id: `${g.item.GroupId}:${name}` }, ...(shared || (awsDefault && ctx.mode.reconciling) ? { shared: true } : {}) });
          }
        }
      }
    }
    return out;
  },
  async create(ctx, task, d) {
    const input = { GroupId: d.groupId, IpPermissions: [permission(d)] };
    try {
      if (d.type === 'ingress') await ctx.clients.ec2.send(new AuthorizeSecurityGroupIngressCommand(input));
      else await ctx.clients.ec2.send(new AuthorizeSecurityGroupEgressCommand(input));
    } catch (e) {
      // The rule is there already: made by an attempt whose answer was lost, or by AWS itself.
      if (!hasName(e, 'InvalidPermission.Duplicate')) throw e;
    }
    return { id: `${input.GroupId}:${task.name}`, name: task.name, fields: { ...d }, outputs: { id: `${input.GroupId}:${task.name}` } };
  },
  async delete(ctx, live) {
    const f = liveFields<SecurityGroupRuleFields>(live);
    const input = { GroupId: f.groupId, IpPermissions: [permission(f)] };
    if (f.type === 'ingress') await ctx.clients.ec2.send(new RevokeSecurityGroupIngressCommand(input));
    else await ctx.clients.ec2.send(new RevokeSecurityGroupEgressCommand(input));
  },
});
