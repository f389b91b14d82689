/**
 * Instance groups: a reconcile loop keeps each group's `desiredCapacity` instances running,
 * like an auto scaling group. It runs on a timer and at once after any change, launches into
 * the group's least used zone, replaces instances whose process died (backing off while they
 * die before ever becoming ready: a boot that always fails must not spawn a process a
 * second), and on scale-in terminates the newest.
 */

import type { EventSink } from '../../../src/output/events.js';
import { parseCidr } from '../../../src/api/cidr.js';
import type { Instance, InstanceActionBody, InstanceGroup, Subnet } from '../api-types.js';
import { conflict, invalid, notFound } from './api-error.js';
import { freeAddress } from './addresses.js';
import type { InstanceSupervisor } from './instances.js';
import type { CloudState } from './state.js';

const MAX_BACKOFF_MS = 30_000;

export interface GroupContext {
  readonly state: CloudState;
  readonly instances: InstanceSupervisor;
  readonly events: EventSink;
}

export class GroupController {
  private readonly ctx: GroupContext;
  private readonly deleting = new Map<string, Promise<void>>();
  private readonly backoff = new Map<string, { until: number; delayMs: number }>();
  /** The last problem logged per group, so that a stuck group logs once, not every tick. */
  private readonly problems = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private stopped = false;

  constructor(ctx: GroupContext) {
    this.ctx = ctx;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.reconcile(), intervalMs);
    this.poke();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Reconciles soon (once, however many changes ask for it in the same tick). */
  poke(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.reconcile();
    });
  }

  /** The group's current instances: launched by it, not detached, not stopping or terminated. */
  members(groupId: string): Instance[] {
    return this.ctx.state.list('instances').filter((i) => i.groupId === groupId && (i.state === 'pending' || i.state === 'running'));
  }

  isDeleting(groupId: string): boolean {
    return this.deleting.has(groupId);
  }

  /** Called when an instance's process died on its own; `instance` is as it was just before. */
  died(instance: Instance): void {
    if (instance.groupId === '') return;
    if (instance.state === 'running') {
      this.backoff.delete(instance.groupId);
      return;
    }
    const delayMs = Math.min(MAX_BACKOFF_MS, (this.backoff.get(instance.groupId)?.delayMs ?? 500) * 2);
    this.backoff.set(instance.groupId, { until: Date.now() + delayMs, delayMs });
  }

  reconcile(): void {
    if (this.stopped) return;
    for (const group of this.ctx.state.list('instanceGroups')) {
      if (this.deleting.has(group.id)) continue;
      try {
        this.reconcileGroup(group);
      } catch (e) {
        this.problem(group, `reconcile failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  terminate(groupId: string, body: InstanceActionBody): Instance {
    const { group, instance } = this.member(groupId, body.instanceId);
    if (body.decrement) this.decrement(group);
    void this.ctx.instances.terminate(instance.id);
    this.poke();
    return this.ctx.state.get('instances', instance.id) ?? instance;
  }

  /** Takes the instance out of the group; it keeps running on its own. */
  detach(groupId: string, body: InstanceActionBody): Instance {
    const { group, instance } = this.member(groupId, body.instanceId);
    if (body.decrement) this.decrement(group);
    const detached = this.ctx.state.put('instances', { ...instance, groupId: '' });
    this.ctx.events({ level: 'info', code: 'instance.detached', message: `detached ${instance.id} from group ${group.name}`, data: { id: instance.id, group: group.id } });
    this.poke();
    return detached;
  }

  /** Terminates the group's instances, waits for their processes to exit, then forgets the group. */
  delete(groupId: string): Promise<void> {
    const running = this.deleting.get(groupId);
    if (running !== undefined) return running;
    const group = this.ctx.state.get('instanceGroups', groupId);
    if (group === undefined) throw notFound('instanceGroups', groupId);
    const work = (async () => {
      const ids = this.ctx.state
        .list('instances')
        .filter((i) => i.groupId === groupId && i.state !== 'terminated')
        .map((i) => i.id);
      await Promise.all(ids.map((id) => this.ctx.instances.terminate(id)));
      this.ctx.state.remove('instanceGroups', groupId);
      this.backoff.delete(groupId);
      this.problems.delete(groupId);
      this.ctx.events({ level: 'info', code: 'group.deleted', message: `deleted group ${group.name} and its ${ids.length} instances`, data: { id: groupId } });
    })().finally(() => this.deleting.delete(groupId));
    this.deleting.set(groupId, work);
    return work;
  }

  private reconcileGroup(group: InstanceGroup): void {
    const members = this.members(group.id).sort((a, b) => (a.launchedAt < b.launchedAt ? -1 : a.launchedAt > b.launchedAt ? 1 : 0));
    if (members.length > group.desiredCapacity) {
      for (const victim of members.slice(group.desiredCapacity).reverse()) {
        this.ctx.events({ level: 'info', code: 'group.scale-in', message: `group ${group.name}: terminating ${victim.id} (desired ${group.desiredCapacity})`, data: { id: group.id, instance: victim.id } });
        void this.ctx.instances.terminate(victim.id);
      }
    } else if (members.length < group.desiredCapacity && (this.backoff.get(group.id)?.until ?? 0) <= Date.now()) {
      for (let n = members.length; n < group.desiredCapacity; n++) {
        const problem = this.launchOne(group);
        if (problem !== undefined) {
          this.problem(group, problem);
          break;
        }
        this.problems.delete(group.id);
      }
    }
    const ids = this.members(group.id).map((i) => i.id);
    const current = this.ctx.state.get('instanceGroups', group.id);
    if (current !== undefined && ids.join(',') !== current.instanceIds.join(',')) this.ctx.state.put('instanceGroups', { ...current, instanceIds: ids });
  }

  /** Launches one instance, or says why it cannot. */
  private launchOne(group: InstanceGroup): string | undefined {
    const template = this.ctx.state.get('instanceTemplates', group.templateId);
    if (template === undefined) return `template ${group.templateId} does not exist`;
    const number = group.templateVersion === 'latest' ? template.latestVersion : group.templateVersion;
    const version = template.versions.find((v) => v.version === number);
    if (version === undefined) return `template ${template.name} has no version ${number}`;
    const used = this.usedAddresses();
    for (const subnet of this.subnetsByPreference(group)) {
      const cidr = parseCidr(subnet.cidr);
      const address = cidr.ok ? freeAddress(cidr.cidr, used) : undefined;
      if (address !== undefined) {
        this.ctx.instances.launch({ group, version, subnet, address });
        return undefined;
      }
    }
    return 'no free address in any of its subnets';
  }

  /** The group's subnets, those in its least used zone first (zone balance, like an ASG). */
  private subnetsByPreference(group: InstanceGroup): Subnet[] {
    const members = this.members(group.id);
    const subnets = group.subnetIds.map((id) => this.ctx.state.get('subnets', id)).filter((s): s is Subnet => s !== undefined);
    const inZone = (zone: string) => members.filter((m) => m.zone === zone).length;
    const inSubnet = (id: string) => members.filter((m) => m.subnetId === id).length;
    return subnets
      .map((subnet, index) => ({ subnet, index }))
      .sort((a, b) => inZone(a.subnet.zone) - inZone(b.subnet.zone) || inSubnet(a.subnet.id) - inSubnet(b.subnet.id) || a.index - b.index)
      .map((x) => x.subnet);
  }

  private usedAddresses(): Set<string> {
    const used = new Set<string>();
    for (const i of this.ctx.state.list('instances')) if (i.state !== 'terminated') used.add(i.address);
    for (const lb of this.ctx.state.list('loadBalancers')) used.add(lb.address);
    return used;
  }

  private member(groupId: string, instanceId: string): { group: InstanceGroup; instance: Instance } {
    const group = this.ctx.state.get('instanceGroups', groupId);
    if (group === undefined) throw notFound('instanceGroups', groupId);
    if (this.deleting.has(groupId)) throw conflict(`group ${group.name} is being deleted`);
    const instance = this.ctx.state.get('instances', instanceId);
    if (instance === undefined) throw notFound('instances', instanceId);
    if (instance.groupId !== groupId || (instance.state !== 'pending' && instance.state !== 'running')) {
      throw invalid('instanceId', `${instanceId} is not a current instance of group ${group.name} (it is ${instance.state}${instance.groupId === '' ? ', detached' : ''})`);
    }
    return { group, instance };
  }

  private decrement(group: InstanceGroup): void {
    if (group.desiredCapacity - 1 < group.minSize) {
      throw invalid('decrement', `desiredCapacity ${group.desiredCapacity} of group ${group.name} cannot go below its minSize ${group.minSize}`);
    }
    this.ctx.state.put('instanceGroups', { ...group, desiredCapacity: group.desiredCapacity - 1 });
  }

  private problem(group: InstanceGroup, message: string): void {
    if (this.problems.get(group.id) === message) return;
    this.problems.set(group.id, message);
    this.ctx.events({ level: 'warn', code: 'group.stuck', message: `group ${group.name}: ${message}`, data: { id: group.id } });
  }
}
