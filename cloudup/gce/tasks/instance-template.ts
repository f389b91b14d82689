/**
 * InstanceTemplate: what a managed group's instances are made from. Templates cannot change,
 * so the model names each one after a hash of its content: any change is a new template (and
 * the groups switch to it), and the old one is deleted once no group uses it.
 */

import type { protos } from '@google-cloud/compute';
import { taskConstructor } from '../../../src/engine/task.js';
import { descriptionFilter } from '../labels.js';
import { relativeLink } from '../links.js';
import { gceKind } from './gce-kind.js';

type Template = protos.google.cloud.compute.v1.IInstanceTemplate;

export interface InstanceTemplateFields {
  readonly machineType: string;
  /** The source image's path. */
  readonly image: string;
  readonly rootVolume: { readonly sizeGb: number; readonly type: string };
  /** Links. */
  readonly network: string;
  readonly subnetwork: string;
  readonly publicIp: boolean;
  readonly networkTags: readonly string[];
  /** The instances' labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** `startup-script` (the boot script), `cluster-name`, `ssh-keys`. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly serviceAccount: { readonly email: string; readonly scopes: readonly string[] };
  readonly canIpForward: boolean;
  /** Set for SPOT machines only, so the templates of groups that do not ask keep their names (content hashes). */
  readonly scheduling?: { readonly provisioningModel: 'SPOT' };
}

export const instanceTemplateTask = taskConstructor<InstanceTemplateFields>('InstanceTemplate');

/** `default` may come back as the project's default compute account: the same account. */
function defaultAccount(email: string): string {
  return /^\d+-compute@developer\.gserviceaccount\.com$/.test(email) ? 'default' : email;
}

/** The template's properties, as insert sends them. */
export function templateProperties(d: InstanceTemplateFields): protos.google.cloud.compute.v1.IInstanceProperties {
  const root = d.rootVolume;
  const account = d.serviceAccount;
  const metadata = d.metadata;
  return {
    machineType: d.machineType,
    canIpForward: d.canIpForward,
    disks: [{ boot: true, autoDelete: true, type: 'PERSISTENT', mode: 'READ_WRITE', initializeParams: { sourceImage: d.image, diskSizeGb: root.sizeGb, diskType: root.type } }],
    networkInterfaces: [{ network: d.network, subnetwork: d.subnetwork, ...(d.publicIp ? { accessConfigs: [{ name: 'external-nat', type: 'ONE_TO_ONE_NAT', networkTier: 'PREMIUM' }] } : {}) }],
    tags: { items: [...d.networkTags] },
    labels: { ...d.labels },
    metadata: { items: Object.keys(metadata).sort().map((key) => ({ key, value: metadata[key]! })) },
    serviceAccounts: [{ email: account.email, scopes: [...account.scopes] }],
    // What GCE requires of a spot machine; a preempted one is deleted, and its group makes a new one when it can.
    ...(d.scheduling ? { scheduling: { provisioningModel: 'SPOT', preemptible: true, automaticRestart: false, onHostMaintenance: 'TERMINATE', instanceTerminationAction: 'DELETE' } } : {}),
  };
}

export const instanceTemplateKind = gceKind<Template, InstanceTemplateFields>({
  kind: 'InstanceTemplate',
  uses: ['Network', 'Subnetwork', 'ServiceAccount'],
  list: (ctx) =>
    ctx.compute.list('list instance templates', (pageToken) =>
      ctx.compute.clients.instanceTemplates.list({ project: ctx.project, filter: descriptionFilter(ctx.cluster), ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false }),
    ),
  read: (ctx, name) => ctx.compute.get(`get instance template ${name}`, () => ctx.compute.clients.instanceTemplates.get({ project: ctx.project, instanceTemplate: name })),
  fields(t) {
    const p = t.properties ?? {};
    const boot = (p.disks ?? []).find((x) => x.boot)?.initializeParams ?? {};
    const nic = p.networkInterfaces?.[0] ?? {};
    const account = p.serviceAccounts?.[0] ?? {};
    return {
      machineType: p.machineType ?? '',
      image: relativeLink(boot.sourceImage),
      rootVolume: { sizeGb: Number(boot.diskSizeGb ?? 0), type: boot.diskType ?? '' },
      network: relativeLink(nic.network),
      subnetwork: relativeLink(nic.subnetwork),
      publicIp: (nic.accessConfigs ?? []).length > 0,
      networkTags: [...(p.tags?.items ?? [])].sort(),
      labels: { ...p.labels },
      metadata: Object.fromEntries((p.metadata?.items ?? []).map((i) => [i.key ?? '', i.value ?? ''])),
      serviceAccount: { email: defaultAccount(account.email ?? ''), scopes: [...(account.scopes ?? [])].sort() },
      canIpForward: p.canIpForward ?? false,
      ...(p.scheduling?.provisioningModel === 'SPOT' ? { scheduling: { provisioningModel: 'SPOT' as const } } : {}),
    };
  },
  async insert(ctx, name, d) {
    await ctx.compute.mutate(`insert instance template ${name}`, (requestId) =>
      ctx.compute.clients.instanceTemplates.insert({ project: ctx.project, requestId, instanceTemplateResource: { name, description: ctx.description, properties: templateProperties(d) } }),
    );
  },
  async remove(ctx, live) {
    await ctx.compute.mutate(`delete instance template ${live.name}`, (requestId) =>
      ctx.compute.clients.instanceTemplates.delete({ project: ctx.project, instanceTemplate: live.name, requestId }),
    );
  },
  immutable: 'all',
});
