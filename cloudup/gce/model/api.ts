/**
 * The API endpoint of a GCE cluster: a reserved regional address, and a forwarding rule on it
 * to a target pool that the control plane's groups fill (a network load balancer, as kops makes),
 * and with a dnsZone the API's records on that address.
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { ROLE_LABEL, gceLabels, ownershipLabels } from '../labels.js';
import { apiName } from '../names.js';
import { apiRecordNames } from '../../../src/pki/api-endpoint.js';
import { addressTask } from '../tasks/address.js';
import { dnsRecordTask } from '../tasks/dns-record.js';
import { forwardingRuleTask } from '../tasks/forwarding-rule.js';
import { managedZoneTask } from '../tasks/managed-zone.js';
import { targetPoolTask } from '../tasks/target-pool.js';
import { API_PORT } from '../names.js';

/** Seconds resolvers keep the API's records, as kops sets them. */
const API_RECORD_TTL = 60;

export function apiTasks(spec: SettledSpec): { tasks: Task[]; targetPool: Task } {
  const cluster = spec.cluster.metadata.name;
  const region = spec.cluster.spec.region;
  const labels = { ...gceLabels(spec.cluster.spec.cloudLabels), ...ownershipLabels(cluster), [ROLE_LABEL]: 'control-plane' };
  const address = addressTask(apiName(cluster), { region, addressType: 'EXTERNAL', networkTier: 'PREMIUM', labels });
  const targetPool = targetPoolTask(apiName(cluster), { region, sessionAffinity: 'NONE' });
  const forwardingRule = forwardingRuleTask(
    apiName(cluster),
    {
      region,
      IPAddress: ref(idOf(address), 'address'),
      IPProtocol: 'TCP',
      portRange: `${API_PORT}-${API_PORT}`,
      target: ref(idOf(targetPool), 'selfLink'),
      loadBalancingScheme: 'EXTERNAL',
      networkTier: 'PREMIUM',
      labels,
    },
    { dependsOn: [idOf(address), idOf(targetPool)] },
  );
  return { tasks: [address, targetPool, forwardingRule, ...dnsTasks(spec, idOf(address))], targetPool };
}

/**
 * With a dnsZone (and not `topology.dns.type: None`), A records of the API's public and internal
 * names to its address, in the zone's Cloud DNS managed zone, which must exist.
 */
function dnsTasks(spec: SettledSpec, address: TaskId): Task[] {
  const names = apiRecordNames(spec);
  const dnsZone = spec.cluster.spec.dnsZone;
  if (names.length === 0 || !dnsZone) return [];
  const zone = managedZoneTask(dnsZone, {}, { lifecycle: 'ExistsAndValidates' });
  const records = names.map((name) =>
    dnsRecordTask(name, { managedZone: ref(idOf(zone), 'name'), name, type: 'A', ttl: API_RECORD_TTL, rrdatas: [ref(address, 'address')] }, { dependsOn: [idOf(zone), address] }),
  );
  return [zone, ...records];
}
