/**
 * The calls of one managed instance group, zonal (`instanceGroupManagers`, by zone) or regional
 * (`regionInstanceGroupManagers`, by region): the same methods with their own request shapes, so
 * the task kind, rolling updates and replaceInstance name a group once and call it either way.
 * Mutations wait for their Operation (Compute.mutate).
 */

import type { protos } from '@google-cloud/compute';
import type { GceContext } from './context.js';
import type { Operation } from './compute.js';
import { lastSegment } from './links.js';

type Manager = protos.google.cloud.compute.v1.IInstanceGroupManager;
type Managed = protos.google.cloud.compute.v1.IManagedInstance;

/** Where a group is: a zone, or a region for a regional group. */
export type GroupLocation = { readonly zone: string; readonly region?: undefined } | { readonly region: string; readonly zone?: undefined };

/** The location of a group as the API returns it (`zone` or `region` links). */
export function locationOf(g: Pick<Manager, 'zone' | 'region'>): GroupLocation {
  return g.region ? { region: lastSegment(g.region) } : { zone: lastSegment(g.zone ?? '') };
}

/** `zone/name` or `region/name`: a group's key, as an instance's `created-by` metadata names it. */
export function groupKey(at: GroupLocation, name: string): string {
  return `${at.zone ?? at.region}/${name}`;
}

export interface GroupCalls {
  get(): Promise<Manager | undefined>;
  insert(resource: Manager): Promise<Operation>;
  remove(): Promise<Operation>;
  setInstanceTemplate(instanceTemplate: string): Promise<Operation>;
  resize(size: number): Promise<Operation>;
  setTargetPools(targetPools: readonly string[], fingerprint: string | null): Promise<Operation>;
  patch(resource: Manager): Promise<Operation>;
  /** `instances`: `zones/Z/instances/N` links. */
  recreateInstances(instances: readonly string[]): Promise<Operation>;
  deleteInstances(instances: readonly string[]): Promise<Operation>;
  listManagedInstances(): Promise<Managed[]>;
}

export function groupCalls(ctx: GceContext, at: GroupLocation, name: string): GroupCalls {
  const { compute, project } = ctx;
  const what = (verb: string) => `${verb} ${at.region ? 'regional ' : ''}instance group manager ${name}`;
  if (at.region !== undefined) {
    const c = compute.clients.regionInstanceGroupManagers;
    const on = { project, region: at.region, instanceGroupManager: name };
    return {
      get: () => compute.get(what('get'), () => c.get(on)),
      insert: (resource) => compute.mutate(what('insert'), (requestId) => c.insert({ project, region: at.region, requestId, instanceGroupManagerResource: resource })),
      remove: () => compute.mutate(what('delete'), (requestId) => c.delete({ ...on, requestId })),
      setInstanceTemplate: (instanceTemplate) =>
        compute.mutate(what('set the template of'), (requestId) => c.setInstanceTemplate({ ...on, requestId, regionInstanceGroupManagersSetTemplateRequestResource: { instanceTemplate } })),
      resize: (size) => compute.mutate(what(`resize to ${size}`), (requestId) => c.resize({ ...on, requestId, size })),
      setTargetPools: (targetPools, fingerprint) =>
        compute.mutate(what('set the target pools of'), (requestId) =>
          c.setTargetPools({ ...on, requestId, regionInstanceGroupManagersSetTargetPoolsRequestResource: { targetPools: [...targetPools], fingerprint } }),
        ),
      patch: (resource) => compute.mutate(what('patch'), (requestId) => c.patch({ ...on, requestId, instanceGroupManagerResource: resource })),
      recreateInstances: (instances) =>
        compute.mutate(what('recreate instances in'), (requestId) => c.recreateInstances({ ...on, requestId, regionInstanceGroupManagersRecreateRequestResource: { instances: [...instances] } })),
      deleteInstances: (instances) =>
        compute.mutate(what('delete instances from'), (requestId) => c.deleteInstances({ ...on, requestId, regionInstanceGroupManagersDeleteInstancesRequestResource: { instances: [...instances] } })),
      listManagedInstances: () =>
        compute.list(what('list the instances of'), (pageToken) => c.listManagedInstances({ ...on, ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false })),
    };
  }
  const c = compute.clients.instanceGroupManagers;
  const on = { project, zone: at.zone, instanceGroupManager: name };
  return {
    get: () => compute.get(what('get'), () => c.get(on)),
    insert: (resource) => compute.mutate(what('insert'), (requestId) => c.insert({ project, zone: at.zone, requestId, instanceGroupManagerResource: resource })),
    remove: () => compute.mutate(what('delete'), (requestId) => c.delete({ ...on, requestId })),
    setInstanceTemplate: (instanceTemplate) =>
      compute.mutate(what('set the template of'), (requestId) => c.setInstanceTemplate({ ...on, requestId, instanceGroupManagersSetInstanceTemplateRequestResource: { instanceTemplate } })),
    resize: (size) => compute.mutate(what(`resize to ${size}`), (requestId) => c.resize({ ...on, requestId, size })),
    setTargetPools: (targetPools, fingerprint) =>
      compute.mutate(what('set the target pools of'), (requestId) =>
        c.setTargetPools({ ...on, requestId, instanceGroupManagersSetTargetPoolsRequestResource: { targetPools: [...targetPools], fingerprint } }),
      ),
    patch: (resource) => compute.mutate(what('patch'), (requestId) => c.patch({ ...on, requestId, instanceGroupManagerResource: resource })),
    recreateInstances: (instances) =>
      compute.mutate(what('recreate instances in'), (requestId) => c.recreateInstances({ ...on, requestId, instanceGroupManagersRecreateInstancesRequestResource: { instances: [...instances] } })),
    deleteInstances: (instances) =>
      compute.mutate(what('delete instances from'), (requestId) => c.deleteInstances({ ...on, requestId, instanceGroupManagersDeleteInstancesRequestResource: { instances: [...instances] } })),
    listManagedInstances: () =>
      compute.list(what('list the instances of'), (pageToken) => c.listManagedInstances({ ...on, ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false })),
  };
}
