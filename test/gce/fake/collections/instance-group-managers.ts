/**
 * `zones/Z/instanceGroupManagers` and `regions/R/instanceGroupManagers` (the API's
 * regionInstanceGroupManagers): managed instance groups, with the methods hoist uses:
 * setInstanceTemplate, resize, recreateInstances, deleteInstances, abandonInstances,
 * setTargetPools and listManagedInstances. A regional group spreads its instances over the zones
 * of its distributionPolicy. Deleting a group deletes its instances first; a group that a backend
 * service names is in use.
 */

import type { Collection, Ctx, Method } from '../collection.js';
import { conditionNotMet, inUse, invalid, required } from '../errors.js';
import { lastSegment, link, resolveRef } from '../links.js';
import { fingerprint, members, startDeleting, startRecreating } from '../migs.js';
import { page } from '../paging.js';
import { existingLink, usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { checkRfc1035, int64, optionalString, requireField } from '../validate.js';

const ACTIONS = ['abandoning', 'creating', 'creatingWithoutRetries', 'deleting', 'none', 'recreating', 'refreshing', 'restarting', 'resuming', 'starting', 'stopping', 'suspending', 'verifying'];

function updatePolicy(value: unknown): Json {
  const p = (value ?? {}) as Json;
  const type = p.type ?? 'OPPORTUNISTIC';
  if (type !== 'OPPORTUNISTIC' && type !== 'PROACTIVE') throw invalid('resource.updatePolicy.type', type, 'Must be PROACTIVE or OPPORTUNISTIC.');
  return { type, minimalAction: p.minimalAction ?? 'REPLACE', replacementMethod: p.replacementMethod ?? 'SUBSTITUTE', maxSurge: p.maxSurge ?? { fixed: 1, calculated: 1 }, maxUnavailable: p.maxUnavailable ?? { fixed: 1, calculated: 1 } };
}

function targetPools(ctx: Ctx, value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(field, value, 'Expected a list.');
  return value.map((t, i) => existingLink(ctx, t, `${field}[${i}]`, 'targetPools'));
}

/** The group's members named in a request body, as instance paths; all must be members. */
function named(ctx: Ctx, group: string, body: Json): string[] {
  const list = body.instances;
  if (!Array.isArray(list) || list.length === 0) throw required('instances');
  const mine = new Set(members(ctx.state, group));
  return list.map((ref, i) => {
    const path = resolveRef(ctx.project, ref, `instances[${i}]`);
    if (!mine.has(path)) throw invalid(`instances[${i}]`, ref, `The instance is not a member of ${lastSegment(group)}.`);
    return path;
  });
}

const setInstanceTemplate: Method = (ctx, path, g, body) => {
  const template = existingLink(ctx, requireField(body, 'instanceTemplate', 'instanceTemplate'), 'instanceTemplate', 'instanceTemplates');
  g.instanceTemplate = template;
  g.versions = [{ name: '', instanceTemplate: template }];
  g.fingerprint = fingerprint([g.instanceTemplate, g.targetPools, g.targetSize, g.updatePolicy]);
  return { operation: 'setInstanceTemplate' };
};

const resize: Method = (_ctx, _path, g, _body, query) => {
  const raw = query.get('size');
  if (raw === null) throw required('size');
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 0 || size > 1000) throw invalid('size', raw, 'Must be between 0 and 1000.');
  g.targetSize = size;
  return { operation: 'compute.instanceGroupManagers.resize' };
};

const recreateInstances: Method = (ctx, path, _g, body) => {
  for (const p of named(ctx, path, body)) startRecreating(ctx.state, p);
  return { operation: 'compute.instanceGroupManagers.recreateInstances' };
};

const deleteInstances: Method = (ctx, path, g, body) => {
  const paths = named(ctx, path, body);
  for (const p of paths) startDeleting(ctx.state, p);
  g.targetSize = Math.max(0, Number(g.targetSize) - paths.length);
  return { operation: 'compute.instanceGroupManagers.deleteInstances' };
};

const abandonInstances: Method = (ctx, path, g, body) => {
  const paths = named(ctx, path, body);
  for (const p of paths) ctx.state.managed.delete(p);
  g.targetSize = Math.max(0, Number(g.targetSize) - paths.length);
  return { operation: 'compute.instanceGroupManagers.abandonInstances' };
};

const setTargetPools: Method = (ctx, _path, g, body) => {
  if (body.fingerprint !== undefined && body.fingerprint !== g.fingerprint) throw conditionNotMet('Supplied fingerprint does not match current fingerprint.');
  g.targetPools = targetPools(ctx, body.targetPools ?? [], 'targetPools');
  g.fingerprint = fingerprint([g.instanceTemplate, g.targetPools, g.targetSize, g.updatePolicy]);
  return { operation: 'compute.instanceGroupManagers.setTargetPools' };
};

const listManagedInstances: Method = (ctx, path, g, _body, query) => {
  const all = members(ctx.state, path).sort().map((p) => {
    const i = ctx.state.resources.get(p)!;
    const m = ctx.state.managed.get(p)!;
    const template = (i.metadata as Json).items as Json[];
    const made = String(template.find((x) => x.key === 'instance-template')?.value ?? '').replace(/^projects\/\d+\//, `projects/${ctx.project}/`);
    return { instance: i.selfLink, id: i.id, instanceStatus: i.status, currentAction: m.action, version: { instanceTemplate: link(made) }, name: i.name };
  });
  // Pageless groups answer with every instance at once, as on GCE.
  const paged = g.listManagedInstancesResults === 'PAGINATED' ? page(all, query) : { items: all };
  return { response: { managedInstances: paged.items, ...(paged.nextPageToken ? { nextPageToken: paged.nextPageToken } : {}) } };
};

/** A regional group's zones: `zones/Z` or links, all of the group's region; GCE picks three when none are given. */
function distributionPolicy(ctx: Ctx, value: unknown): Json {
  const p = (value ?? {}) as Json;
  const given = p.zones === undefined ? ['a', 'b', 'c'].map((l) => ({ zone: `zones/${ctx.scope.name}-${l}` })) : p.zones;
  if (!Array.isArray(given) || given.length === 0) throw invalid('resource.distributionPolicy.zones', given, 'Expected a non-empty list of zones.');
  const zones = given.map((z: Json, i) => {
    const m = typeof z.zone === 'string' ? /(?:^|\/)zones\/([a-z]+-[a-z]+\d+-[a-z])$/.exec(z.zone) : null;
    if (!m || m[1]!.replace(/-[a-z]$/, '') !== ctx.scope.name) throw invalid(`resource.distributionPolicy.zones[${i}].zone`, z.zone, `Expected a zone of region ${ctx.scope.name}.`);
    return { zone: link(`projects/${ctx.project}/zones/${m[1]!}`) };
  });
  const shape = p.targetShape ?? 'EVEN';
  if (!['EVEN', 'BALANCED', 'ANY', 'ANY_SINGLE_ZONE'].includes(String(shape))) throw invalid('resource.distributionPolicy.targetShape', shape, 'Must be EVEN, BALANCED, ANY or ANY_SINGLE_ZONE.');
  return { zones, targetShape: shape };
}

function managers(scope: 'zone' | 'region'): Collection {
  return {
    name: 'instanceGroupManagers',
    kind: 'compute#instanceGroupManager',
    scope,
    insert(ctx, body, path) {
      optionalString(body, 'description', 'resource.description');
      const base = requireField(body, 'baseInstanceName', 'resource.baseInstanceName');
      checkRfc1035(base, 'resource.baseInstanceName', 58);
      const versions = (body.versions as Json[] | undefined) ?? [];
      const templateRef = body.instanceTemplate ?? versions[0]?.instanceTemplate;
      if (templateRef === undefined) throw required('resource.instanceTemplate');
      const size = int64(requireField(body, 'targetSize', 'resource.targetSize'), 'resource.targetSize')!;
      if (size < 0 || size > 1000) throw invalid('resource.targetSize', body.targetSize, 'Must be between 0 and 1000.');
      // What is missing or malformed is reported before what does not exist.
      const template = existingLink(ctx, templateRef, 'resource.instanceTemplate', 'instanceTemplates');
      const results = body.listManagedInstancesResults ?? 'PAGELESS';
      if (results !== 'PAGELESS' && results !== 'PAGINATED') throw invalid('resource.listManagedInstancesResults', results, 'Must be PAGELESS or PAGINATED.');
      const pools = targetPools(ctx, body.targetPools, 'resource.targetPools');
      const policy = updatePolicy(body.updatePolicy);
      return {
        ...(body.description === undefined ? {} : { description: body.description }),
        baseInstanceName: base,
        instanceTemplate: template,
        versions: [{ name: '', instanceTemplate: template }],
        targetSize: size,
        targetPools: pools,
        updatePolicy: policy,
        instanceGroup: link(path.replace('/instanceGroupManagers/', '/instanceGroups/')),
        listManagedInstancesResults: results,
        ...(scope === 'region' ? { distributionPolicy: distributionPolicy(ctx, body.distributionPolicy) } : {}),
        fingerprint: fingerprint([template, pools, size, policy]),
      };
    },
    checkDelete(ctx, path) {
      const by = usersOf(ctx, path.replace('/instanceGroupManagers/', '/instanceGroups/'), [['backendServices', (b) => ((b.backends as Json[] | undefined) ?? []).map((x) => x.group)]]);
      if (by.length > 0) throw inUse(path, by[0]!);
    },
    view(ctx, path, g) {
      const counts: Record<string, number> = Object.fromEntries(ACTIONS.map((a) => [a, 0]));
      for (const p of members(ctx.state, path)) counts[ctx.state.managed.get(p)!.action.toLowerCase()]! += 1;
      const stable = counts.none === members(ctx.state, path).length && !ctx.state.groupsDeleting.has(path);
      return { ...g, currentActions: counts, status: { isStable: stable, versionTarget: { isReached: stable }, allInstancesConfig: { effective: true } } };
    },
    remove(ctx, path) {
      for (const p of members(ctx.state, path)) startDeleting(ctx.state, p);
      ctx.state.groupsDeleting.add(path);
      return () => !ctx.state.resources.has(path);
    },
    patch(ctx, _path, g, body) {
      const next = { ...g };
      if (body.updatePolicy !== undefined) next.updatePolicy = updatePolicy({ ...(g.updatePolicy as Json), ...(body.updatePolicy as Json) });
      if (body.targetPools !== undefined) next.targetPools = targetPools(ctx, body.targetPools, 'resource.targetPools');
      if (body.instanceTemplate !== undefined) {
        next.instanceTemplate = existingLink(ctx, body.instanceTemplate, 'resource.instanceTemplate', 'instanceTemplates');
        next.versions = [{ name: '', instanceTemplate: next.instanceTemplate }];
      }
      if (body.targetSize !== undefined) next.targetSize = int64(body.targetSize, 'resource.targetSize');
      next.fingerprint = fingerprint([next.instanceTemplate, next.targetPools, next.targetSize, next.updatePolicy]);
      return next;
    },
    methods: { setInstanceTemplate, resize, recreateInstances, deleteInstances, abandonInstances, setTargetPools, listManagedInstances },
  };
}

export const instanceGroupManagers: Collection = managers('zone');
export const regionInstanceGroupManagers: Collection = managers('region');
