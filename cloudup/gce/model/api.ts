/**
 * The API endpoint of a GCE cluster, with a dnsZone the API's records on its address.
 *
 * Public (the default): a reserved regional address, and a forwarding rule on it to a target
 * pool that the control plane's groups fill (a network load balancer, as kops makes). A target
 * pool takes legacy HTTP health checks only (no HTTPS, no TCP, at most one), and the API servers
 * speak only TLS on 6443, so, as kops does, GCE probes a plain HTTP port of the control plane
 * (API_HEALTH_CHECK_PORT) that answers for the local API server's /readyz.
 *
 * Internal (`api.loadBalancer.type: Internal`), as kops makes it: a regional health check of the
 * API servers' /readyz, a regional backend service (INTERNAL) over the control plane's managed
 * instance groups, and in each subnet of the control plane a reserved internal address with an
 * internal forwarding rule to that backend service. The probes' firewall rule is in network.ts.
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

/**
 * What the internal load balancer's regional health check probes: the API servers' /readyz.
 * kube-apiserver answers it over TLS on its own port only to a caller it authenticates, unless
 * anonymous requests are on (hoist's default is off, as kops's), and GCE's probes carry no
 * credentials: so HTTPS on 6443 when anonymous requests are on, else plain HTTP on the health
 * port, whose proxy asks the API server with a client certificate (as the public pool's check).
 */
export function internalProbe(spec: Pick<SettledSpec, 'cluster'>): { readonly type: 'HTTP' | 'HTTPS'; readonly port: number } {
  return spec.cluster.spec.kubeAPIServer?.anonymousAuth === true ? { type: 'HTTPS', port: API_PORT } : { type: 'HTTP', port: API_HEALTH_CHECK_PORT };
}

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

/**
 * The subnets of an internal API load balancer, where the API servers are (each control-plane
 * group's first subnet, whose subnetwork its template names): the first control-plane group's
 * first, then the others in the order of spec.subnets. kops makes an address and a forwarding
 * rule in each; the first one's address is the one the API's names and clients use.
 */
export function apiSubnets(spec: SettledSpec): string[] {
  const cp = spec.instanceGroups.filter((ig) => ig.spec.role === 'ControlPlane');
  // Validation requires a control-plane group; without one there is nothing to balance.
  if (cp.length === 0) throw new HoistError('INTERNAL', 'an internal API load balancer needs a control-plane instance group');
  const used = new Set(cp.map((ig) => ig.spec.subnets[0]));
  const first = cp[0]!.spec.subnets[0];
  return [first, ...spec.cluster.spec.subnets.map((s) => s.name).filter((name) => name !== first && used.has(name))];
}

/** The name of the API's reserved address, which DNS records and `topology.dns.type: None` clients use. */
export function apiAddressName(spec: SettledSpec): string {
  const cluster = spec.cluster.metadata.name;
  return isInternalApi(spec) ? apiSubnetName(apiSubnets(spec)[0]!, cluster) : apiName(cluster);
}

export function apiTasks(spec: SettledSpec, net: NetworkInputs): ApiTasks {
  if (isInternalApi(spec)) {
    const tasks = internalTasks(spec, net);
    // Every control-plane subnet's address, the first subnet's first: each reaches every API server.
    return { tasks: [...tasks, ...dnsTasks(spec, tasks.filter((t) => t.kind === 'Address').map(idOf))] };
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
  return { tasks: [healthCheck, address, targetPool, forwardingRule, ...dnsTasks(spec, [idOf(address)])], targetPool };
}

function apiLabels(spec: SettledSpec): Record<string, string> {
  return { ...gceLabels(spec.cluster.spec.cloudLabels), ...ownershipLabels(spec.cluster.metadata.name), [ROLE_LABEL]: 'control-plane' };
}

/** The internal load balancer's tasks, the address the API's names use first. */
function internalTasks(spec: SettledSpec, net: NetworkInputs): Task[] {
  const cluster = spec.cluster.metadata.name;
  const region = spec.cluster.spec.region;
  const labels = apiLabels(spec);
  const probe = internalProbe(spec);
  const healthCheck = regionHealthCheckTask(apiName(cluster), { region, ...probe, requestPath: '/readyz', checkIntervalSec: 5, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 2 });
  // The control plane's groups, by the names their model gives them (model/instance-groups.ts),
  // in the order of the links they resolve to, which is the order discovery reads them back in.
  const managers = spec.instanceGroups
    .filter((ig) => ig.spec.role === 'ControlPlane')
    .flatMap((ig) => {
      const regional = isRegionalGroup(spec.cluster, ig);
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
  // One address and rule per subnet of the control plane, all to the one backend service.
  const perSubnet = apiSubnets(spec).map((subnetName) => {
    const subnet = net.subnetworks.get(subnetName);
    if (!subnet) throw new HoistError('INTERNAL', `the internal API load balancer: no subnetwork task for subnet ${subnetName}`);
    const name = apiSubnetName(subnetName, cluster);
    const address = addressTask(name, { region, addressType: 'INTERNAL', purpose: 'GCE_ENDPOINT', subnetwork: ref(subnet, 'selfLink'), networkTier: 'PREMIUM', labels }, { dependsOn: [subnet] });
    const forwardingRule = forwardingRuleTask(
      name,
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
    return { address, forwardingRule };
  });
  return [...perSubnet.map((p) => p.address), healthCheck, backendService, ...perSubnet.map((p) => p.forwardingRule)];
}

/**
 * With a dnsZone (and not `topology.dns.type: None`), A records of the API's public and internal
 * names to its addresses (one, or an internal load balancer's one per control-plane subnet), in
 * the zone's Cloud DNS managed zone, which must exist.
 */
function dnsTasks(spec: SettledSpec, addresses: readonly TaskId[]): Task[] {
  const names = apiRecordNames(spec);
  const dnsZone = spec.cluster.spec.dnsZone;
  if (names.length === 0 || !dnsZone) return [];
  const zone = managedZoneTask(dnsZone, {}, { lifecycle: 'ExistsAndValidates' });
  const records = names.map((name) =>
    dnsRecordTask(name, { managedZone: ref(idOf(zone), 'name'), name, type: 'A', ttl: API_RECORD_TTL, rrdatas: addresses.map((a) => ref(a, 'address')) }, { dependsOn: [idOf(zone), ...addresses] }),
  );
  return [zone, ...records];
}
