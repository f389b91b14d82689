/**
 * Managed instance groups at work: a group keeps `targetSize` instances made from its template,
 * creating, deleting and recreating them step by step (PROVISIONING, STAGING, RUNNING; STOPPING
 * then gone). Instances are records only: nothing runs. Time moves on lazily, each time the fake
 * is asked anything, so no timer outlives a test.
 */

import { createHash, randomBytes } from 'node:crypto';
import { lastSegment, link } from './links.js';
import { pathOfLink } from './state.js';
import type { ManagedInstance, State } from './state.js';
import { checkCidr, ipOf } from './validate.js';
import type { Json } from './validate.js';

export function settle(state: State): void {
  const now = Date.now();
  for (const [path, m] of [...state.managed]) {
    while (state.managed.get(path) === m && m.action !== 'NONE' && now >= m.stepEndsAt) step(state, path, m);
  }
  for (const group of [...state.groupsDeleting]) {
    if (!members(state, group).length) {
      state.groupsDeleting.delete(group);
      state.resources.delete(group);
    }
  }
  for (const [path] of state.everywhereAnyProject('instanceGroupManagers')) {
    if (!state.groupsDeleting.has(path)) reconcile(state, path);
  }
}

function step(state: State, path: string, m: ManagedInstance): void {
  const instance = state.resources.get(path);
  if (!instance) {
    state.managed.delete(path);
    return;
  }
  const next = m.stepEndsAt + state.instanceStepMs;
  switch (instance.status) {
    case 'STOPPING':
      if (m.action === 'RECREATING') {
        const group = state.resources.get(m.group);
        const template = group && state.resources.get(pathOfLink(String(group.instanceTemplate)));
        if (!group || !template) {
          state.resources.delete(path);
          state.managed.delete(path);
          return;
        }
        state.resources.set(path, instanceFrom(state, path, template, m.group));
        m.stepEndsAt = next;
      } else {
        state.resources.delete(path);
        state.managed.delete(path);
      }
      return;
    case 'PROVISIONING':
      instance.status = 'STAGING';
      m.stepEndsAt = next;
      return;
    case 'STAGING':
      instance.status = 'RUNNING';
      instance.lastStartTimestamp = state.now();
      m.action = 'NONE';
      return;
    default:
      m.action = 'NONE';
  }
}

/** The paths of a group's instances, deleting ones included. */
export function members(state: State, group: string): string[] {
  return [...state.managed].filter(([, m]) => m.group === group).map(([p]) => p);
}

function reconcile(state: State, group: string): void {
  const g = state.resources.get(group)!;
  const live = members(state, group).filter((p) => state.managed.get(p)!.action !== 'DELETING');
  const target = Number(g.targetSize);
  if (live.length < target) {
    const template = state.resources.get(pathOfLink(String(g.instanceTemplate)));
    if (!template) return;
    for (let n = live.length; n < target; n++) create(state, group, g, template);
  } else if (live.length > target) {
    // Instances that do not serve yet go first, then the newest.
    const ranked = [...live].sort((a, b) => Number(isRunning(state, a)) - Number(isRunning(state, b)) || b.localeCompare(a));
    for (const p of ranked.slice(0, live.length - target)) startDeleting(state, p);
  }
}

const isRunning = (state: State, path: string): boolean => state.resources.get(path)?.status === 'RUNNING';

export function startDeleting(state: State, path: string): void {
  const m = state.managed.get(path);
  const instance = state.resources.get(path);
  if (!m || !instance) return;
  m.action = 'DELETING';
  m.stepEndsAt = Date.now() + state.instanceStepMs;
  instance.status = 'STOPPING';
}

export function startRecreating(state: State, path: string): void {
  const m = state.managed.get(path);
  const instance = state.resources.get(path);
  if (!m || !instance) return;
  m.action = 'RECREATING';
  m.stepEndsAt = Date.now() + state.instanceStepMs;
  instance.status = 'STOPPING';
}

function create(state: State, groupPath: string, group: Json, template: Json): void {
  const zonePath = zoneOfNext(state, groupPath, group);
  let path: string;
  do path = `${zonePath}/instances/${String(group.baseInstanceName)}-${randomBytes(3).toString('hex').slice(0, 4)}`;
  while (state.resources.has(path));
  state.resources.set(path, instanceFrom(state, path, template, groupPath));
  state.managed.set(path, { group: groupPath, action: 'CREATING', stepEndsAt: Date.now() + state.instanceStepMs });
}

/**
 * Where a group's next instance goes: a zonal group's zone; for a regional one, the zone of its
 * distribution policy with the fewest of its instances (an EVEN shape).
 */
function zoneOfNext(state: State, groupPath: string, group: Json): string {
  const scope = groupPath.replace(/\/instanceGroupManagers\/[^/]+$/, '');
  const zones = ((group.distributionPolicy as Json | undefined)?.zones as Json[] | undefined)?.map((z) => pathOfLink(String(z.zone)));
  if (!zones) return scope;
  const count = (zone: string) => members(state, groupPath).filter((p) => p.startsWith(`${zone}/`) && state.managed.get(p)!.action !== 'DELETING').length;
  return zones.reduce((best, z) => (count(z) < count(best) ? z : best));
}

/** An instance as GCE makes it from a template, with the metadata it adds for its group. */
function instanceFrom(state: State, path: string, template: Json, groupPath: string): Json {
  const [, project, , zone] = path.split('/') as [string, string, string, string];
  const p = template.properties as Json;
  const number = state.projectNumber(project);
  const byNumber = (x: string) => x.replace(/^projects\/[^/]+\//, `projects/${number}/`);
  const items = [
    ...(((p.metadata as Json).items as Json[] | undefined) ?? []),
    { key: 'instance-template', value: byNumber(pathOfLink(String(template.selfLink))) },
    { key: 'created-by', value: byNumber(groupPath) },
  ];
  const name = lastSegment(path);
  const nics = ((p.networkInterfaces as Json[] | undefined) ?? []).map((n, i) => ({
    ...n,
    name: `nic${i}`,
    networkIP: n.subnetwork === undefined ? '10.128.0.2' : freeIp(state, String(n.subnetwork)),
    ...(n.accessConfigs === undefined ? {} : { accessConfigs: (n.accessConfigs as Json[]).map((a) => ({ ...a, natIP: state.externalIp() })) }),
  }));
  const boot = ((p.disks as Json[]) ?? []).find((d) => d.boot);
  return {
    kind: 'compute#instance',
    id: state.newId(),
    creationTimestamp: state.now(),
    name,
    zone: link(`projects/${project}/zones/${zone}`),
    machineType: link(`projects/${project}/zones/${zone}/machineTypes/${String(p.machineType)}`),
    status: 'PROVISIONING',
    canIpForward: p.canIpForward === true,
    labels: { ...(p.labels as Json) },
    labelFingerprint: fingerprint(p.labels),
    ...(p.tags === undefined ? {} : { tags: { ...(p.tags as Json), fingerprint: fingerprint(p.tags) } }),
    metadata: { kind: 'compute#metadata', fingerprint: fingerprint(items), items },
    networkInterfaces: nics,
    disks: boot ? [{ kind: 'compute#attachedDisk', type: 'PERSISTENT', mode: 'READ_WRITE', boot: true, autoDelete: boot.autoDelete, index: 0, deviceName: 'persistent-disk-0', source: link(`projects/${project}/zones/${zone}/disks/${name}`), diskSizeGb: (boot.initializeParams as Json | undefined)?.diskSizeGb ?? '10' }] : [],
    ...(p.serviceAccounts === undefined ? {} : { serviceAccounts: p.serviceAccounts }),
    scheduling: p.scheduling,
    cpuPlatform: 'Intel Broadwell',
    selfLink: link(path),
  };
}

function freeIp(state: State, subnetworkLink: string): string {
  const subnet = state.resources.get(pathOfLink(subnetworkLink));
  if (!subnet) return '10.128.0.2';
  const { base, bits } = checkCidr(subnet.ipCidrRange, 'ipCidrRange');
  const used = new Set(
    [...state.resources.values()].flatMap((r) => ((r.networkInterfaces as Json[] | undefined) ?? []).filter((n) => n.subnetwork === subnetworkLink).map((n) => n.networkIP)),
  );
  for (let i = 2; i < 2 ** (32 - bits) - 1; i++) if (!used.has(ipOf(base + i))) return ipOf(base + i);
  return ipOf(base + 2);
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value ?? null)).digest('base64').slice(0, 12);
}
