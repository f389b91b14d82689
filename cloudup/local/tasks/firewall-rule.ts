/** FirewallRule: who may reach which instances on which ports (recorded by the local cloud). */
import type { FirewallRule } from '../api-types.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { localKind } from './resource-kind.js';

export interface FirewallRuleFields {
  readonly networkId: string;
  readonly direction: FirewallRule['direction'];
  readonly protocol: FirewallRule['protocol'];
  /** e.g. `6443`, `30000-32767`; empty for all ports. */
  readonly ports: readonly string[];
  readonly sourceCidrs: readonly string[];
  /** `key=value` tags of the sources. */
  readonly sourceTags: readonly string[];
  readonly targetTags: readonly string[];
}

export const firewallRuleTask = taskConstructor<FirewallRuleFields>('FirewallRule');

export const firewallRuleKind = localKind<'firewallRules', FirewallRuleFields>({
  kind: 'FirewallRule',
  type: 'firewallRules',
  uses: ['Network'],
  fields: (r) => ({
    networkId: r.networkId,
    direction: r.direction,
    protocol: r.protocol,
    ports: [...r.ports],
    sourceCidrs: [...r.sourceCidrs],
    sourceTags: [...r.sourceTags],
    targetTags: [...r.targetTags],
  }),
  body: (d) => ({ ...d }),
  immutable: ['networkId', 'direction', 'protocol'],
});
