/**
 * What each resource type means beyond its shape: references that must exist, CIDRs that must
 * fit and not overlap, and what still uses a resource that someone wants to delete.
 */

import { parseCidr } from '../../../src/api/cidr.js';
import type { CreateBodies, InstanceGroup, LoadBalancer, ResourceOf, ResourceType, Subnet } from '../api-types.js';
import { ApiError, invalid, inUse, singular } from './api-error.js';
import { checkSubnetSize, contains, freeAddress, loopbackCidr, overlaps } from './addresses.js';
import type { CloudState } from './state.js';
import type { CreatableType } from './validate.js';

/** Checks a create body against the other resources and builds the resource. */
export function buildResource<T extends CreatableType>(state: CloudState, type: T, body: CreateBodies[T], id: string, volumePath: string): ResourceOf[T] {
  const createdAt = new Date().toISOString();
  const build = (): ResourceOf[CreatableType] => {
    switch (type) {
      case 'networks': {
        const b = body as CreateBodies['networks'];
        checkNetworkCidr(state, b.cidr);
        return { id, createdAt, ...b };
      }
      case 'subnets': {
        const b = body as CreateBodies['subnets'];
        checkSubnetCidr(state, b.networkId, b.cidr);
        return { id, createdAt, ...b };
      }
      case 'firewallRules': {
        const b = body as CreateBodies['firewallRules'];
        existing(state, 'networks', b.networkId, 'networkId');
        b.sourceCidrs.forEach((c, i) => {
          const parsed = parseCidr(c);
          if (!parsed.ok) throw invalid(`sourceCidrs[${i}]`, `${JSON.stringify(c)} ${parsed.message}`);
        });
        return { id, createdAt, ...b };
      }
      case 'instanceTemplates': {
        const { version, ...b } = body as CreateBodies['instanceTemplates'];
        return { id, createdAt, ...b, versions: [{ ...version, version: 1, createdAt }], latestVersion: 1 };
      }
      case 'instanceGroups': {
        const b = body as CreateBodies['instanceGroups'];
        checkGroup(state, b);
        return { id, createdAt, ...b, instanceIds: [] };
      }
      case 'loadBalancers': {
        const b = body as CreateBodies['loadBalancers'];
        const first = checkLoadBalancer(state, b);
        return { id, createdAt, ...b, address: lbAddress(state, first), healthyTargets: [] };
      }
      case 'dnsRecords':
        return { id, createdAt, ...(body as CreateBodies['dnsRecords']) };
      case 'volumes':
        return { id, createdAt, ...(body as CreateBodies['volumes']), path: volumePath };
    }
    throw invalid('type', `${String(type)} cannot be created`);
  };
  return build() as ResourceOf[T];
}

type GroupFields = Pick<InstanceGroup, 'templateId' | 'templateVersion' | 'subnetIds' | 'minSize' | 'maxSize' | 'desiredCapacity' | 'loadBalancerIds'>;

/** A group's references exist, its subnets share one network, and min ≤ desired ≤ max. */
export function checkGroup(state: CloudState, g: GroupFields): void {
  const template = existing(state, 'instanceTemplates', g.templateId, 'templateId');
  if (g.templateVersion !== 'latest' && !template.versions.some((v) => v.version === g.templateVersion)) {
    throw invalid('templateVersion', `template ${template.name} has no version ${g.templateVersion} (its latest is ${template.latestVersion})`);
  }
  const subnets = g.subnetIds.map((id, i) => existing(state, 'subnets', id, `subnetIds[${i}]`));
  sameNetwork(subnets);
  g.loadBalancerIds.forEach((id, i) => existing(state, 'loadBalancers', id, `loadBalancerIds[${i}]`));
  if (g.minSize > g.maxSize) throw invalid('minSize', `${g.minSize} is greater than maxSize ${g.maxSize}`);
  if (g.desiredCapacity < g.minSize || g.desiredCapacity > g.maxSize) {
    throw invalid('desiredCapacity', `${g.desiredCapacity} is not between minSize ${g.minSize} and maxSize ${g.maxSize}`);
  }
}

/** Returns the balancer's first subnet, where its address comes from. */
function checkLoadBalancer(state: CloudState, b: CreateBodies['loadBalancers']): Subnet {
  existing(state, 'networks', b.networkId, 'networkId');
  const subnets = b.subnetIds.map((id, i) => existing(state, 'subnets', id, `subnetIds[${i}]`));
  subnets.forEach((s, i) => {
    if (s.networkId !== b.networkId) throw invalid(`subnetIds[${i}]`, `subnet ${s.name} is not in network ${b.networkId}`);
  });
  checkListeners(b.listeners);
  return subnets[0] as Subnet;
}

export function checkListeners(listeners: LoadBalancer['listeners']): void {
  const seen = new Set<number>();
  listeners.forEach((l, i) => {
    if (seen.has(l.port)) throw invalid(`listeners[${i}].port`, `port ${l.port} is listed twice`);
    seen.add(l.port);
  });
}

function lbAddress(state: CloudState, subnet: Subnet): string {
  const cidr = parseCidr(subnet.cidr);
  const used = new Set<string>(state.list('loadBalancers').map((lb) => lb.address));
  for (const i of state.list('instances')) if (i.state !== 'terminated') used.add(i.address);
  const address = cidr.ok ? freeAddress(cidr.cidr, used) : undefined;
  if (address === undefined) throw new ApiError(409, 'Conflict', `subnet ${subnet.name} has no free address for a load balancer`);
  return address;
}

function checkNetworkCidr(state: CloudState, text: string): void {
  const cidr = loopbackCidr('cidr', text);
  for (const n of state.list('networks')) {
    const other = parseCidr(n.cidr);
    if (other.ok && overlaps(cidr, other.cidr)) throw invalid('cidr', `${text} overlaps network ${n.name} (${n.cidr})`);
  }
}

function checkSubnetCidr(state: CloudState, networkId: string, text: string): void {
  const network = existing(state, 'networks', networkId, 'networkId');
  const cidr = loopbackCidr('cidr', text);
  checkSubnetSize('cidr', cidr);
  const outer = parseCidr(network.cidr);
  if (!outer.ok || !contains(outer.cidr, cidr)) throw invalid('cidr', `${text} is not inside network ${network.name} (${network.cidr})`);
  for (const s of state.list('subnets')) {
    const other = parseCidr(s.cidr);
    if (s.networkId === networkId && other.ok && overlaps(cidr, other.cidr)) throw invalid('cidr', `${text} overlaps subnet ${s.name} (${s.cidr})`);
  }
}

function sameNetwork(subnets: readonly Subnet[]): void {
  const first = subnets[0];
  subnets.forEach((s, i) => {
    if (first !== undefined && s.networkId !== first.networkId) {
      throw invalid(`subnetIds[${i}]`, `subnet ${s.name} is in another network than subnet ${first.name}`);
    }
  });
}

/** The resource `id` of `type`, or InvalidParameter on `field`. */
export function existing<T extends ResourceType>(state: CloudState, type: T, id: string, field: string): ResourceOf[T] {
  const found = state.get(type, id);
  if (found === undefined) throw invalid(field, `${singular(type)} ${JSON.stringify(id)} does not exist`);
  return found;
}

/** Throws DependencyViolation when something still uses the resource. */
export function checkUnused(state: CloudState, type: ResourceType, id: string): void {
  const resource = state.get(type, id);
  if (resource === undefined) return;
  const users: { type: ResourceType; names: string[] }[] = [];
  const add = (t: ResourceType, list: readonly { name: string }[]) => {
    if (list.length > 0) users.push({ type: t, names: list.map((r) => r.name) });
  };
  switch (type) {
    case 'networks':
      add('subnets', state.list('subnets').filter((s) => s.networkId === id));
      add('firewallRules', state.list('firewallRules').filter((f) => f.networkId === id));
      add('loadBalancers', state.list('loadBalancers').filter((lb) => lb.networkId === id));
      break;
    case 'subnets':
      add('instances', state.list('instances').filter((i) => i.subnetId === id && i.state !== 'terminated'));
      add('instanceGroups', state.list('instanceGroups').filter((g) => g.subnetIds.includes(id)));
      add('loadBalancers', state.list('loadBalancers').filter((lb) => lb.subnetIds.includes(id)));
      break;
    case 'instanceTemplates':
      add('instanceGroups', state.list('instanceGroups').filter((g) => g.templateId === id));
      break;
    case 'loadBalancers':
      add('instanceGroups', state.list('instanceGroups').filter((g) => g.loadBalancerIds.includes(id)));
      break;
    case 'volumes': {
      const v = state.get('volumes', id);
      if (v?.attachedTo !== undefined) users.push({ type: 'instances', names: [v.attachedTo] });
      break;
    }
    default:
      break;
  }
  if (users.length === 0) return;
  const by = users.map((u) => `${u.type} ${u.names.slice(0, 3).join(', ')}${u.names.length > 3 ? ` and ${u.names.length - 3} more` : ''}`);
  throw inUse(`${singular(type)} ${resource.name} (${id})`, by.join('; '));
}
