/**
 * The API endpoint of a GCE cluster, with a dnsZone the API's records on its address.
 *
 * Public (the default): a reserved regional address, and a forwarding rule on it to a target
 * pool that the control plane's groups fill (a network load balancer, as kops makes). A target
 * pool takes legacy HTTP health checks only (no HTTPS, no TCP, at most one), and the API servers
 * speak only TLS on 6443, so, as kops does, GCE probes a plain HTTP port of the control plane
 * (API_HEALTH_CHECK_PORT) that answers for the local API server's /readyz.
 *
 * Internal (`api.loadBalancer.type: Internal`), as kops makes it: a regional TCP health check of
 * the API port, a regional backend service (INTERNAL) over the control plane's managed instance
 * groups, and an internal forwarding rule on a reserved internal address of the control plane's
 * subnetwork. The probes' firewall rule is in network.ts.
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf, ref, taskId } from '../../../src/engine/task.js';
import { ROLE_LABEL, gceLabels, ownershipLabels } from '../labels.js';
import { apiName, apiSubnetName, groupManagerNames } from '../names.js';
import { apiRecordNames } from '../../../src/pki/api-endpoint.js';
import { HoistError } from '../../../src/errors.js';
import { isRegionalGroup } from '../regional.js';
import { addressTask } from '../tasks/address.js';
import { dnsRecordTask } from '../tasks/dns-record.js';
import { forwardingRuleTask } from '../tasks/forwarding-rule.js';
import { httpHealthCheckTask } from '../tasks/http-health-check.js';
import { managedZoneTask } from '../tasks/managed-zone.js';
import { regionBackendServiceTask } from '../tasks/region-backend-service.js';
import { regionHealthCheckTask } from '../tasks/region-health-check.js';
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

/** Where the probes of (non-legacy) health checks come from: an internal load balancer's backends see them. */
export const INTERNAL_HEALTH_CHECK_SOURCE_RANGES = ['130.211.0.0/22', '35.191.0.0/16'];

/** Seconds resolvers keep the API's records, as kops sets them. */
const API_RECORD_TTL = 60;

export interface NetworkInputs {
  readonly network: TaskId;
  readonly subnetworks: ReadonlyMap<string, TaskId>;
}

export interface ApiTasks {
  readonly tasks: Task[];
  /** The public load balancer's pool, which the control plane's groups join; none for an internal one. */
  readonly targetPool?: Task;
}

export function isInternalApi(spec: Pick<SettledSpec, 'cluster'>): boolean {
  return spec.cluster.spec.api.loadBalancer?.type === 'Internal';
}

/** The subnet of an internal API load balancer: the first control-plane group's, where the API servers are. */
function apiSubnet(spec: SettledSpec): string {
  const cp = spec.instanceGroups.find((ig) => ig.spec.role === 'ControlPlane');
  // Validation requires a control-plane group; without one there is nothing to balance.
  if (!cp) throw new HoistError('INTERNAL', 'an internal API load balancer needs a control-plane instance group');
  return cp.spec.subnets[0];
}

/** The name of the API's reserved address, which DNS records and `topology.dns.type: None` clients use. */
export function apiAddressName(spec: SettledSpec): string {
  const cluster = spec.cluster.metadata.name;
  return isInternalApi(spec) ? apiSubnetName(apiSubnet(spec), cluster) : apiName(cluster);
}

export function apiTasks(spec: SettledSpec, net: NetworkInputs): ApiTasks {
  if (isInternalApi(spec)) {
    const tasks = internalTasks(spec, net);
    return { tasks: [...tasks, ...dnsTasks(spec, idOf(tasks[0]!))] };
  }
  const cluster = spec.cluster.metadata.name;
  const region = spec.cluster.spec.region;
  const labels = apiLabels(spec);
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

function apiLabels(spec: SettledSpec): Record<string, string> {
  return { ...gceLabels(spec.cluster.spec.cloudLabels), ...ownershipLabels(spec.cluster.metadata.name), [ROLE_LABEL]: 'control-plane' };
}

/** The internal load balancer's tasks, its address first. */
function internalTasks(spec: SettledSpec, net: NetworkInputs): Task[] {
  const cluster = spec.cluster.metadata.name;
  const region = spec.cluster.spec.region;
  const subnetName = apiSubnet(spec);
  const subnet = net.subnetworks.get(subnetName);
  if (!subnet) throw new HoistError('INTERNAL', `the internal API load balancer: no subnetwork task for subnet ${subnetName}`);
  const labels = apiLabels(spec);
  const address = addressTask(
    apiSubnetName(subnetName, cluster),
    { region, addressType: 'INTERNAL', purpose: 'GCE_ENDPOINT', subnetwork: ref(subnet, 'selfLink'), networkTier: 'PREMIUM', labels },
    { dependsOn: [subnet] },
  );
  // TCP on the API port, as kops checks it: a regional health check takes no legacy HTTP port.
  const healthCheck = regionHealthCheckTask(apiName(cluster), { region, type: 'TCP', port: API_PORT, checkIntervalSec: 5, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 2 });
  // The control plane's groups, by the names their model gives them (model/instance-groups.ts),
  // in the order of the links they resolve to, which is the order discovery reads them back in.
  const managers = spec.instanceGroups
    .filter((ig) => ig.spec.role === 'ControlPlane')
    .flatMap((ig) => {
      const regional = isRegionalGroup(ig);
      const scopes = regional ? [`regions/${region}`] : ig.spec.zones.map((z) => `zones/${z}`);
      return groupManagerNames(ig.metadata.name, ig.spec.zones, cluster, regional).map((name, i) => ({ name, link: `${scopes[i]}/instanceGroups/${name}` }));
    })
    .sort((a, b) => (a.link < b.link ? -1 : a.link > b.link ? 1 : 0))
    .map(({ name }) => taskId('InstanceGroupManager', name));
  const backendService = regionBackendServiceTask(
    apiName(cluster),
    {
      region,
      loadBalancingScheme: 'INTERNAL',
      protocol: 'TCP',
      sessionAffinity: 'NONE',
      network: ref(net.network, 'selfLink'),
      healthChecks: [ref(idOf(healthCheck), 'selfLink')],
      backends: managers.map((m) => ref(m, 'instanceGroup')),
    },
    { dependsOn: [idOf(healthCheck), net.network, ...managers] },
  );
  const forwardingRule = forwardingRuleTask(
    apiSubnetName(subnetName, cluster),
    {
      region,
      IPAddress: ref(idOf(address), 'address'),
      IPProtocol: 'TCP',
      ports: [String(API_PORT)],
      backendService: ref(idOf(backendService), 'selfLink'),
      network: ref(net.network, 'selfLink'),
      subnetwork: ref(subnet, 'selfLink'),
      loadBalancingScheme: 'INTERNAL',
      networkTier: 'PREMIUM',
      labels,
    },
    { dependsOn: [idOf(address), idOf(backendService), net.network, subnet] },
  );
  return [address, healthCheck, backendService, forwardingRule];
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
