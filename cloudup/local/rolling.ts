/**
 * The local cloud's side of rolling updates and validation. Its machines are drained as on
 * every other cloud, through the cluster's Kubernetes API (../rolling/kube-drain.ts, which the
 * rolling update wraps around this), against the control plane's API server stand-in: the
 * local cloud has no channel of its own to a node's workloads.
 */

import { connect } from 'node:net';
import type { CompletedSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import { outOfDate, staleFields } from '../rolling/out-of-date.js';
import type { RollingCloud, RollingGroup, RollingInstance } from '../rolling/types.js';
import { INSTANCE_GROUP_TAG, ownershipTags } from '../tags.js';
import type { Instance, InstanceGroup, InstanceTemplate } from './api-types.js';
import type { LocalCloudClient } from './client.js';
import { API_PORT, apiLoadBalancerName, groupName } from './model/names.js';

export function localRollingCloud(client: LocalCloudClient, spec: CompletedSpec): RollingCloud {
  const cluster = spec.cluster.metadata.name;
  const tags = ownershipTags(cluster);
  const groupIds = new Map<string, string>();

  const groups = async (): Promise<RollingGroup[]> => {
    const [cloudGroups, instances, templates] = await Promise.all([
      client.list('instanceGroups', { tags }),
      client.list('instances', { tags }),
      client.list('instanceTemplates', { tags }),
    ]);
    const byName = new Map(cloudGroups.map((g) => [g.name, g]));
    const templateById = new Map(templates.map((t) => [t.id, t]));
    return spec.instanceGroups.flatMap((ig): RollingGroup[] => {
      const g = byName.get(groupName(ig.metadata.name, cluster));
      if (!g) return [];
      groupIds.set(ig.metadata.name, g.id);
      const expected = expectedVersion(g, templateById.get(g.templateId));
      const mine = instances.filter((i) => i.groupId === g.id || (i.groupId === '' && i.tags[INSTANCE_GROUP_TAG] === ig.metadata.name));
      return [{
        name: ig.metadata.name,
        role: ig.spec.role,
        minSize: g.minSize,
        maxSize: g.maxSize,
        desired: g.desiredCapacity,
        instances: mine.map((i) => toRolling(ig.metadata.name, i, expected)),
      }];
    });
  };

  const groupId = async (group: string): Promise<string> => {
    if (!groupIds.has(group)) await groups();
    const id = groupIds.get(group);
    if (!id) throw new Error(`instance group ${group} of ${cluster} does not exist in the local cloud`);
    return id;
  };

  return {
    supportsSurge: true,
    drains: false,
    pollMs: 100,
    groups,
    async detach(group, id) {
      await client.detachInstance(await groupId(group), id, { decrement: false });
    },
    async terminate(group, id) {
      const instance = await client.get('instances', id);
      if (!instance || instance.state === 'terminated') return;
      if (instance.groupId === '') await client.delete('instances', id);
      else await client.terminateInstance(await groupId(group), id, { decrement: false });
    },
    drain() {
      return Promise.reject(new HoistError('UNSUPPORTED', 'the local cloud drains nodes only through the Kubernetes API', {
        hint: 'hoist rolling-update drains through the context named after the cluster (hoist export kubeconfig CLUSTER --admin writes it), or replaces machines without draining: --cloudonly',
      }));
    },
    drained: async () => false,
    async apiProblem() {
      const [lb] = (await client.list('loadBalancers', { tags })).filter((l) => l.name === apiLoadBalancerName(cluster));
      if (!lb) return `the API load balancer ${apiLoadBalancerName(cluster)} does not exist`;
      if (lb.healthyTargets.length === 0) return `no API server behind ${lb.address}:${API_PORT} is healthy`;
      return (await answers(lb.address, API_PORT)) ? undefined : `the API does not answer at ${lb.address}:${API_PORT}`;
    },
  };
}

/** The version a group launches: the one it names, or its template's latest. */
function expectedVersion(g: InstanceGroup, t: InstanceTemplate | undefined): number | undefined {
  return g.templateVersion === 'latest' ? t?.latestVersion : g.templateVersion;
}

function toRolling(group: string, i: Instance, expected: number | undefined): RollingInstance {
  return {
    id: i.id,
    group,
    state: i.state,
    ready: i.state === 'running' && i.healthy,
    cloudReady: (i.state === 'running' || i.state === 'pending') && i.pid !== undefined,
    ...staleFields(outOfDate({ state: i.state, launchedFrom: i.templateVersion, groupLaunches: expected })),
    detached: i.groupId === '',
    drained: false,
    address: i.address,
    ...(i.agentPhase === undefined ? {} : { phase: i.agentPhase }),
    ...(i.agentMessage === undefined ? {} : { lastError: i.agentMessage }),
  };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
