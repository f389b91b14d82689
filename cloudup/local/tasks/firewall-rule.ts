/** FirewallRule: who may reach which instances on which ports (recorded by the local cloud). */
import { localKind } from './resource-kind.js';

export const firewallRuleKind = localKind({
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
