/**
 * `global/instanceTemplates`: what the instances of a managed group are made from. Immutable:
 * the API has no update; a change is a new template. In use while a group names it.
 */

import type { Collection, Ctx } from '../collection.js';
import { ApiError, inUse, invalid, required } from '../errors.js';
import { existingLink, usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { checkLabels, checkMetadata, checkRfc1035, int64, optionalString, requireField } from '../validate.js';

function disks(value: unknown): Json[] {
  if (!Array.isArray(value) || value.length === 0) throw required('resource.properties.disks');
  const out = value.map((d: Json, i) => {
    const at = `resource.properties.disks[${i}]`;
    const init = d.initializeParams as Json | undefined;
    if (d.source === undefined && init?.sourceImage === undefined && d.boot === true) throw required(`${at}.initializeParams.sourceImage`);
    const size = int64(init?.diskSizeGb, `${at}.initializeParams.diskSizeGb`);
    if (size !== undefined && (size < 10 || size > 65536)) throw invalid(`${at}.initializeParams.diskSizeGb`, init?.diskSizeGb, 'Must be between 10 and 65536 GB.');
    if (init?.diskType !== undefined && !/^[a-z0-9-]+$/.test(String(init.diskType))) throw invalid(`${at}.initializeParams.diskType`, init.diskType, 'In a template the disk type is a name, e.g. pd-balanced.');
    return {
      type: d.type ?? 'PERSISTENT',
      mode: d.mode ?? 'READ_WRITE',
      boot: d.boot === true,
      autoDelete: d.autoDelete === true,
      deviceName: d.deviceName,
      ...(init ? { initializeParams: { ...init, ...(size === undefined ? {} : { diskSizeGb: String(size) }) } } : {}),
      ...(d.source === undefined ? {} : { source: d.source }),
    };
  });
  if (out.filter((d) => d.boot).length !== 1) throw invalid('resource.properties.disks', value, 'Exactly one disk must be the boot disk.');
  return out;
}

function networkInterfaces(ctx: Ctx, value: unknown): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('resource.properties.networkInterfaces', value, 'Expected a list.');
  return value.map((n: Json, i) => {
    const at = `resource.properties.networkInterfaces[${i}]`;
    if (n.network === undefined && n.subnetwork === undefined) throw required(`${at}.network`);
    const subnetwork = n.subnetwork === undefined ? undefined : existingLink(ctx, n.subnetwork, `${at}.subnetwork`, 'subnetworks');
    const network = n.network === undefined ? String(ctx.state.mustGet(subnetwork!.replace(/^.*\/compute\/v1\//, '')).network) : existingLink(ctx, n.network, `${at}.network`, 'networks');
    const access = ((n.accessConfigs as Json[] | undefined) ?? []).map((a, j) => {
      if ((a.type ?? 'ONE_TO_ONE_NAT') !== 'ONE_TO_ONE_NAT') throw invalid(`${at}.accessConfigs[${j}].type`, a.type, 'Must be ONE_TO_ONE_NAT.');
      return { kind: 'compute#accessConfig', type: 'ONE_TO_ONE_NAT', name: a.name ?? 'External NAT', networkTier: a.networkTier ?? 'PREMIUM' };
    });
    return { kind: 'compute#networkInterface', network, ...(subnetwork ? { subnetwork } : {}), ...(access.length > 0 ? { accessConfigs: access } : {}) };
  });
}

export const instanceTemplates: Collection = {
  name: 'instanceTemplates',
  kind: 'compute#instanceTemplate',
  scope: 'global',
  insert(ctx, body) {
    optionalString(body, 'description', 'resource.description');
    const p = requireField<Json>(body, 'properties', 'resource.properties');
    const machineType = requireField<string>(p, 'machineType', 'resource.properties.machineType');
    if (!/^[a-z][a-z0-9-]*$/.test(machineType)) throw invalid('resource.properties.machineType', machineType, 'In a template the machine type is a name, e.g. e2-medium.');
    checkMetadata(p.metadata, 'resource.properties.metadata');
    const tags = ((p.tags as Json | undefined)?.items as unknown[] | undefined) ?? [];
    tags.forEach((t, i) => checkRfc1035(t, `resource.properties.tags.items[${i}]`));
    const accounts = ((p.serviceAccounts as Json[] | undefined) ?? []).map((a, i) => {
      if (typeof a.email !== 'string' || a.email === '') throw required(`resource.properties.serviceAccounts[${i}].email`);
      return { email: a.email, scopes: (a.scopes as string[] | undefined) ?? [] };
    });
    if (accounts.length > 1) throw new ApiError(400, 'invalid', 'At most one service account can be given.');
    return {
      ...(body.description === undefined ? {} : { description: body.description }),
      properties: {
        machineType,
        canIpForward: p.canIpForward === true,
        disks: disks(p.disks),
        networkInterfaces: networkInterfaces(ctx, p.networkInterfaces),
        ...(tags.length > 0 ? { tags: { items: tags } } : {}),
        labels: checkLabels(p.labels, 'resource.properties.labels'),
        metadata: { kind: 'compute#metadata', items: ((p.metadata as Json | undefined)?.items as Json[] | undefined) ?? [] },
        ...(accounts.length > 0 ? { serviceAccounts: accounts } : {}),
        scheduling: { onHostMaintenance: 'MIGRATE', automaticRestart: true, preemptible: false },
      },
    };
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [['instanceGroupManagers', (g) => [g.instanceTemplate, ...((g.versions as Json[] | undefined) ?? []).map((v) => v.instanceTemplate)]]]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
};
