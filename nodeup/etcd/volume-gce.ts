/**
 * Claiming an etcd member's persistent disk, as the machine's service account: the instance's
 * name, zone and project from the metadata server, the disk read by its name (disks.get, the
 * name update cluster gave it) and checked by its labels, and attached with
 * instances.attachDisk under the device name `etcd-<etcd cluster>`, which the guest sees at
 * `/dev/disk/by-id/google-etcd-<etcd cluster>`. Requests carry the metadata server's token
 * (HOIST_GCE_AUTH=none sends none, HOIST_GCE_ENDPOINT names another Compute endpoint, as for
 * the hoist command; GCE_METADATA_HOST another metadata server).
 *
 * A disk another instance uses is taken only once that instance has gone: one being deleted
 * (STOPPING) is waited for until the disk has no user; one that runs, or is stopped, keeps it,
 * and the claim fails.
 */

import { DisksClient } from '@google-cloud/compute/build/src/v1/disks_client.js';
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client.js';
import { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client.js';
import { GoogleAuth, Compute as MetadataToken, gcpMetadata } from 'google-auth-library';
import { clientOptionsFromEnv } from '../../cloudup/gce/clients.js';
import type { ComputeClients } from '../../cloudup/gce/clients.js';
import { Compute } from '../../cloudup/gce/compute.js';
import { CLUSTER_LABEL, ETCD_CLUSTER_LABEL, ETCD_MEMBER_LABEL, labelValue } from '../../cloudup/gce/labels.js';
import { lastSegment } from '../../cloudup/gce/links.js';
import { etcdDiskName } from '../../cloudup/gce/names.js';
import { HoistError } from '../../src/errors.js';
import type { VolumeCloud } from './volume.js';

export interface GceDiskOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How long a disk held by an instance that is going away is waited for; default 10 minutes. */
  readonly releaseTimeoutMs?: number;
  readonly pollMs?: number;
}

interface Self {
  readonly name: string;
  readonly zone: string;
  readonly project: string;
}

const SCOPES = ['https://www.googleapis.com/auth/compute'];
/**
 * An instance being deleted (its group replacing it) is STOPPING until it is gone, and its disks
 * are free then. A stopped (TERMINATED) or suspended one keeps its disks, as a running one does.
 */
const GOING = new Set(['STOPPING']);

export const gceDeviceName = (etcdCluster: string): string => `etcd-${labelValue(etcdCluster)}`;

/**
 * Only the three clients a claim uses: each client loads the Compute API's description when it
 * is made, which takes seconds for all of hoist's. The HTTP endpoint and credentials are the
 * hoist command's (HOIST_GCE_ENDPOINT, HOIST_GCE_AUTH), else the metadata server's token.
 */
function zonalClients(env: GceDiskOptions['env']): Pick<ComputeClients, 'disks' | 'instances' | 'zoneOperations'> {
  const base = clientOptionsFromEnv(env);
  const endpoint = base.endpoint;
  const opts = {
    fallback: true,
    auth: new GoogleAuth({ scopes: SCOPES, authClient: base.authClient ?? new MetadataToken({ scopes: SCOPES }) }),
    ...(endpoint ? { apiEndpoint: endpoint.apiEndpoint, ...(endpoint.port ? { port: endpoint.port } : {}), protocol: endpoint.protocol ?? 'https' } : {}),
  } as ConstructorParameters<typeof DisksClient>[0];
  return { disks: new DisksClient(opts), instances: new InstancesClient(opts), zoneOperations: new ZoneOperationsClient(opts) };
}

export function gceDiskCloud(options: GceDiskOptions): VolumeCloud & { close(): Promise<void> } {
  const clients = zonalClients(options.env);
  let self: Promise<Self> | undefined;
  const identity = (): Promise<Self> =>
    (self ??= (async () => {
      const [name, zone, project] = await Promise.all([gcpMetadata.instance<string>('name'), gcpMetadata.instance<string>('zone'), gcpMetadata.project<string>('project-id')]);
      return { name, zone: lastSegment(zone), project };
    })());
  let compute: Compute | undefined;
  // Compute retries, pages and waits on operations; a claim's operations are all zonal, which is all its wait reads.
  const api = async () => (compute ??= new Compute({ project: (await identity()).project, clients: clients as ComputeClients }));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  return {
    noun: 'persistent disk',
    async find(want) {
      const me = await identity();
      const name = etcdDiskName(want.member, want.etcdCluster, want.cluster);
      const disk = await (await api()).get(`disk ${name}`, () => clients.disks.get({ project: me.project, zone: me.zone, disk: name }));
      const labels = disk?.labels ?? {};
      const ours = labels[CLUSTER_LABEL] === labelValue(want.cluster) && labels[ETCD_CLUSTER_LABEL] === labelValue(want.etcdCluster) && labels[ETCD_MEMBER_LABEL] === labelValue(want.member);
      if (disk === undefined || !ours) {
        throw new HoistError('NOT_FOUND', `no persistent disk ${name} of etcd cluster ${want.etcdCluster} member ${want.member} in ${me.zone}${disk === undefined ? '' : ' (a disk of that name exists, but its labels name another member or cluster)'}`, {
          hint: 'update cluster --yes creates the etcd disks; a control-plane group runs in the zone of its etcd members (spec.etcdClusters[].etcdMembers[].zone)',
        });
      }
      return { id: name, devices: [] };
    },
    async attach(volume, want) {
      const me = await identity();
      const c = await api();
      const devices = [`/dev/disk/by-id/google-${gceDeviceName(want.etcdCluster)}`];
      const deadline = Date.now() + (options.releaseTimeoutMs ?? 10 * 60_000);
      for (;;) {
        const disk = await c.get(`disk ${volume.id}`, () => clients.disks.get({ project: me.project, zone: me.zone, disk: volume.id }));
        const users = (disk?.users ?? []).map((u) => lastSegment(u));
        if (users.includes(me.name)) return { id: volume.id, devices };
        const holder = users[0];
        if (holder === undefined) break;
        const instance = await c.get(`instance ${holder}`, () => clients.instances.get({ project: me.project, zone: me.zone, instance: holder }));
        const status = instance?.status ?? 'DELETED';
        if (instance !== undefined && !GOING.has(status)) {
          throw new HoistError('CONFLICT', `persistent disk ${volume.id} of etcd ${want.etcdCluster} member ${want.member} is attached to ${holder}, which is ${status}: it keeps the member's disk`, {
            hint: `a member runs on one machine at a time; delete ${holder} (or detach the disk from it) and this machine claims the disk when nodeup runs again`,
          });
        }
        if (Date.now() > deadline) throw new HoistError('ABORTED', `persistent disk ${volume.id} is still attached to ${holder} (${status})`, { hint: `detach it: gcloud compute instances detach-disk ${holder} --disk ${volume.id} --zone ${me.zone}` });
        await sleep(options.pollMs ?? 2000);
      }
      const source = `projects/${me.project}/zones/${me.zone}/disks/${volume.id}`;
      await c.mutate(`attach disk ${volume.id}`, (requestId) =>
        clients.instances.attachDisk({ project: me.project, zone: me.zone, instance: me.name, requestId, attachedDiskResource: { source, deviceName: gceDeviceName(want.etcdCluster), mode: 'READ_WRITE', autoDelete: false, boot: false } }),
      );
      return { id: volume.id, devices };
    },
    close: async () => {
      await Promise.all([clients.disks.close(), clients.instances.close(), clients.zoneOperations.close()]);
    },
  };
}
