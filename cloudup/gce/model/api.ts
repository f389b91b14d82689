/**
 * The API endpoint of a GCE cluster: a reserved regional address, and a forwarding rule on it
 * to a target pool that the control plane's groups fill (a network load balancer, as kops makes),
 * and with a dnsZone the API's records on that address.
 *
 * The pool's health check: a target pool takes legacy HTTP health checks only (no HTTPS, no TCP,
 * at most one), and the API servers speak only TLS on 6443, so, as kops does, GCE probes a plain
 * HTTP port of the control plane (API_HEALTH_CHECK_PORT) that answers for the local API server's
 * /readyz. The probes' firewall rule is in network.ts.
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
import { httpHealthCheckTask } from '../tasks/http-health-check.js';
import { managedZoneTask } from '../tasks/managed-zone.js';
import { targetPoolTask } from '../tasks/target-pool.js';
import { API_PORT } from '../names.js';
import { API_HEALTH_CHECK_PORT } from '../../../nodeup/healthcheck/port.js';

/** The control plane's plain-HTTP port that GCE probes: nodeup serves it (kops's kube-apiserver-healthcheck port). */
export { API_HEALTH_CHECK_PORT };

/**
 * Where GCE's legacy health checks come from (the probes of target-pool load balancers), as
 * Google documents them for firewall rules.
 */
export const HEALTH_CHECK_SOURCE_RANGES = ['35.191.0.0/16', '209.85.152.0/22', '209.85.204.0/22'];

/** Seconds resolvers keep the API's records, as kops sets them. */
const API_RECORD_TTL = 60;

export function apiTasks(spec: SettledSpec): { tasks: Task[]; targetPool: Task } {
  const cluster = spec.cluster.metadata.name;
  const region = spec.cluster.spec.region;
  const labels = { ...gceLabels(spec.cluster.spec.cloudLabels), ...ownershipLabels(cluster), [ROLE_LABEL]: 'control-plane' };
  const address = addressTask(apiName(cluster), { region, addressType: 'EXTERNAL', networkTier: 'PREMIUM', labels });
  const healthCheck = httpHealthCheckTask(apiName(cluster), {
    port: API_HEALTH_CHECK_PORT,
    requestPath: '/readyz',
    checkIntervalSec: 5,
    timeoutSec: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  });
  const targetPool = targetPoolTask(
    apiName(cluster),
    { region, sessionAffinity: 'NONE', healthChecks: [ref(idOf(healthCheck), 'selfLink')] },
    { dependsOn: [idOf(healthCheck)] },
  );
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
  return { tasks: [healthCheck, address, targetPool, forwardingRule, ...dnsTasks(spec, idOf(address))], targetPool };
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
