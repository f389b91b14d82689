/**
 * The GCE side of rolling updates and validation (the roll itself is cloud-independent).
 *
 * - An instance needs an update when its template is not its managed group's template.
 * - Terminating an attached instance recreates it in place (recreateInstances): the group makes
 *   it again from its current template.
 * - A surge detaches an instance by growing its group by one (the group launches the
 *   replacement) and labelling the old one `hoist-dev-detached=true`; it stays a member and
 *   serves until terminated, which deletes it and shrinks the group back (deleteInstances). The
 *   label is how a killed roll finds its detached instances again. The group is grown before the
 *   label is set, so a roll killed in between leaves one instance too many, never one too few;
 *   the next `update cluster` sets the size back. A regional group does not surge: it cannot
 *   choose the zone of the new instance, so its instances are recreated in place, zone kept.
 * - An instance is up as far as the cloud can tell when it is RUNNING, and Ready when its node
 *   agent (nodeup) reports Ready to the state store, under the instance's name, which is also
 *   its hostname and so its Kubernetes node's name. GCE gives hoist no channel to the node: a
 *   roll drains it through the Kubernetes API.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { readInstanceStatuses } from '../../nodeup/status.js';
import type { InstanceStatus } from '../../nodeup/status.js';
import { outOfDate, staleFields } from '../rolling/out-of-date.js';
import type { RollingCloud, RollingGroup, RollingInstance } from '../rolling/types.js';
import type { GceContext } from './context.js';
import { groupCalls } from './group-managers.js';
import { groupLocation, listInstances } from './instances.js';
import { listManagers } from './listings.js';
import type { GceInstance } from './instances.js';
import { labelFilter, labelValue } from './labels.js';
import { lastSegment } from './links.js';
import { apiName, groupManagerNames } from './names.js';
import { isRegionalGroup } from './regional.js';
import { settleSpec } from '../../src/api/validate-settled.js';
import { apiAddressName, isInternalApi } from './model/api.js';
import { gceSpecRules } from './spec-rules.js';
import { setLabels } from './tasks/set-labels.js';

export const DETACHED_LABEL = 'hoist-dev-detached';

const STATES: Readonly<Record<string, RollingInstance['state']>> = {
  PROVISIONING: 'pending',
  STAGING: 'pending',
  REPAIRING: 'pending',
  RUNNING: 'running',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  SUSPENDED: 'terminated',
  TERMINATED: 'terminated',
};

export function gceRollingCloud(ctx: GceContext, spec: CompletedSpec, store: ObjectStore): RollingCloud {
  const find = async (id: string): Promise<GceInstance | undefined> => (await listInstances(ctx)).find((i) => i.id === id || i.name === id);

  const groups = async (): Promise<RollingGroup[]> => {
    const [managers, statuses] = await Promise.all([listManagers(ctx), readInstanceStatuses(store, ctx.cluster)]);
    const instances = await listInstances(ctx, managers);
    return spec.instanceGroups.flatMap((ig): RollingGroup[] => {
      const label = labelValue(ig.metadata.name);
      const mine = instances.filter((i) => i.instanceGroup === label);
      const own = new Set([...mine.map((i) => i.groupManager), ...groupManagerNames(ig.metadata.name, ig.spec.zones, ctx.cluster, isRegionalGroup(spec.cluster, ig))]);
      const zones = managers.filter((m) => own.has(m.name ?? ''));
      if (zones.length === 0 && mine.length === 0) return [];
      const detached = mine.filter((i) => i.labels[DETACHED_LABEL] === 'true' && STATES[i.state] !== 'terminated').length;
      const target = zones.reduce((n, m) => n + Number(m.targetSize ?? 0), 0);
      return [{
        name: ig.metadata.name,
        role: ig.spec.role,
        minSize: ig.spec.minSize,
        maxSize: ig.spec.maxSize,
        desired: Math.max(0, target - detached),
        // A regional group puts a surge's instance in any zone of its shape; deleting the old one
        // may then leave the zones uneven, and GCE evens them by deleting an undrained instance.
        ...(isRegionalGroup(spec.cluster, ig) ? { surges: false } : {}),
        instances: mine.map((i) => toRolling(ig.metadata.name, i, statuses.get(i.name))),
      }];
    });
  };

  return {
    supportsSurge: true,
    drains: false,
    pollMs: 2000,
    groups,
    async detach(_group, id) {
      const i = await find(id);
      if (!i || i.labels[DETACHED_LABEL] === 'true') return;
      const calls = groupCalls(ctx, groupLocation(i), i.groupManager);
      const current = await calls.get();
      if (!current) return;
      await calls.resize(Number(current.targetSize ?? 0) + 1);
      await setLabels(
        ctx.compute,
        `instance ${i.name}`,
        () => ctx.compute.get(`get instance ${i.name}`, () => ctx.compute.clients.instances.get({ project: ctx.project, zone: i.zone, instance: i.name })),
        (labels, labelFingerprint, requestId) =>
          ctx.compute.clients.instances.setLabels({ project: ctx.project, zone: i.zone, instance: i.name, requestId, instancesSetLabelsRequestResource: { labels, labelFingerprint } }),
        { [DETACHED_LABEL]: 'true' },
      );
    },
    async terminate(_group, id) {
      const i = await find(id);
      if (!i || STATES[i.state] === 'terminated') return;
      const calls = groupCalls(ctx, groupLocation(i), i.groupManager);
      const instances = [`zones/${i.zone}/instances/${i.name}`];
      // A detached instance's replacement runs already: deleting it also shrinks the group back.
      if (i.labels[DETACHED_LABEL] === 'true') await calls.deleteInstances(instances);
      else await calls.recreateInstances(instances);
    },
    drain: async () => undefined,
    drained: async () => true,
    async apiProblem() {
      const rules = await ctx.compute.list('list forwarding rules', (pageToken) =>
        ctx.compute.clients.forwardingRules.list(
          { project: ctx.project, region: ctx.region, filter: labelFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) },
          { autoPaginate: false },
        ),
      );
      const settled = settleSpec(spec, gceSpecRules);
      if (isInternalApi(settled)) {
        const name = apiAddressName(settled);
        const internal = rules.find((r) => r.name === name);
        if (!internal?.backendService) return `the API's internal forwarding rule ${name} does not exist`;
        const service = await ctx.compute.get(`get regional backend service ${lastSegment(internal.backendService)}`, () =>
          ctx.compute.clients.regionBackendServices.get({ project: ctx.project, region: ctx.region, backendService: lastSegment(internal.backendService!) }),
        );
        if ((service?.backends ?? []).length === 0) return `no control-plane group is a backend of the API's backend service ${lastSegment(internal.backendService)}`;
        return undefined;
      }
      const rule = rules.find((r) => r.name === apiName(ctx.cluster));
      if (!rule?.target) return `the API forwarding rule of ${ctx.cluster} does not exist`;
      const pool = await ctx.compute.get(`get target pool ${lastSegment(rule.target)}`, () =>
        ctx.compute.clients.targetPools.get({ project: ctx.project, region: ctx.region, targetPool: lastSegment(rule.target!) }),
      );
      if ((pool?.instances ?? []).length === 0) return `no control-plane instance is in the API's target pool ${lastSegment(rule.target)}`;
      return undefined;
    },
  };
}

function toRolling(group: string, i: GceInstance, status: InstanceStatus | undefined): RollingInstance {
  const state = STATES[i.state] ?? 'pending';
  const cloudReady = state === 'running';
  return {
    id: i.id,
    nodeName: i.name,
    group,
    state,
    ready: cloudReady && status?.phase === 'Ready',
    cloudReady,
    ...(status ? { phase: status.phase } : {}),
    ...(status?.error ? { lastError: `${status.error.task ? `${status.error.task}: ` : ''}${status.error.message}` } : {}),
    ...staleFields(outOfDate({ state: i.state, launchedFrom: i.template, groupLaunches: i.groupTemplate })),
    detached: i.labels[DETACHED_LABEL] === 'true',
    drained: true,
    ...(i.address === undefined ? {} : { address: i.address }),
  };
}
