/** Every task kind of the local cloud. */
import type { TaskKind } from '../../../src/engine/task.js';
import type { LocalContext } from '../context.js';
import { dnsRecordKind } from './dns-record.js';
import { firewallRuleKind } from './firewall-rule.js';
import { instanceGroupKind } from './instance-group.js';
import { instanceTemplateKind } from './instance-template.js';
import { loadBalancerKind } from './load-balancer.js';
import { networkKind } from './network.js';
import { subnetKind } from './subnet.js';
import { volumeKind } from './volume.js';

export const LOCAL_KINDS: ReadonlyMap<string, TaskKind<LocalContext>> = new Map(
  [networkKind, subnetKind, firewallRuleKind, instanceTemplateKind, instanceGroupKind, loadBalancerKind, dnsRecordKind, volumeKind].map((k) => [k.kind, k]),
);
