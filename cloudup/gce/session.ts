/**
 * A session with Google Compute Engine for one cluster: the Compute v1 clients (REST), the task
 * kinds and the model, and the cloud side of rolling updates (`listInstances`, `replaceInstance`).
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { taskId } from '../../src/engine/task.js';
import { HoistError } from '../../src/errors.js';
import { apiUrl } from '../../src/pki/api-endpoint.js';
import { internalApiName } from '../../src/pki/requests.js';
import { sessionOf } from '../provider.js';
import type { BootOptions, CloudSession, OpenOptions } from '../provider.js';
import { checkCredentials, clientOptionsFromEnv, closeClients, createClients } from './clients.js';
import type { ComputeClientOptions } from './clients.js';
import { CloudDns } from './cloud-dns.js';
import { Compute } from './compute.js';
import { withFoundManagedZone } from './dns-zone.js';
import type { GceContext } from './context.js';
import { IamApi, iamEndpointsFromEnv } from './iam-api.js';
import { isTransient } from './errors.js';
import { listInstances, replaceInstance } from './instances.js';
import { gceRollingCloud } from './rolling.js';
import type { GceInstance, ReplaceOptions } from './instances.js';
import { ownerDescription, ownershipLabels } from './labels.js';
import { buildGceTasks } from './model/index.js';
import { gcsLocation } from './model/iam.js';
import { API_PORT } from './names.js';
import { addressKind } from './tasks/address.js';
import { apiAddressName } from './model/api.js';
import { gceSpecRules } from './spec-rules.js';
import { settleSpec } from '../../src/api/validate-settled.js';
import { GCE_KINDS } from './tasks/index.js';
import { openIssuerParts } from './workload-identity-session.js';
import type { IssuerParts } from './workload-identity-session.js';

export interface GceSessionOptions extends OpenOptions {
  /** Endpoint and credentials; default: from the environment (see clientOptionsFromEnv). */
  readonly compute?: ComputeClientOptions;
  /** Attempts per API call on transient errors; default 5. */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface GceSession extends CloudSession<GceContext> {
  /** Every instance of the cluster and whether it is out of date with its group's template. */
  listInstances(): Promise<GceInstance[]>;
  /** Replaces an instance through its managed group (in place, or with a surge); returns once the group is whole again. */
  replaceInstance(group: string, instance: string, options?: ReplaceOptions): Promise<void>;
}

export async function openGceSession(spec: CompletedSpec, options: GceSessionOptions): Promise<GceSession> {
  const cluster = spec.cluster.metadata.name;
  const project = spec.cluster.spec.project;
  const region = spec.cluster.spec.region;
  if (!project) throw new HoistError('INVALID_SPEC', `cluster ${cluster} has no spec.project: GCE needs the project to work in`, { path: 'spec.project' });
  if (!region) throw new HoistError('INVALID_SPEC', `cluster ${cluster} has no region: give its subnets a region or zone`, { path: 'spec.region' });
  let calls = 0;
  const computeOptions = options.compute ?? clientOptionsFromEnv(options.env);
  await checkCredentials(computeOptions);
  const clients = createClients(computeOptions, () => void calls++);
  const compute = new Compute({ project, clients, ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}), ...(options.sleep ? { sleep: options.sleep } : {}) });
  const shared = new Map<string, string[]>();
  if (spec.cluster.spec.networkID) shared.set('Network', [spec.cluster.spec.networkID]);
  const sharedSubnets = spec.cluster.spec.subnets.flatMap((s) => (s.id === undefined ? [] : [s.id]));
  if (sharedSubnets.length > 0) shared.set('Subnetwork', sharedSubnets);
  const dns = new CloudDns(compute, options.env, () => void calls++);
  // A spec that names no dnsZone has its zone found in Cloud DNS (cloudup/gce/dns-zone.ts): the
  // plan makes the records there, and a teardown deletes them from there.
  let zoned = spec;
  if (options.purpose !== 'inspect') {
    try {
      zoned = await withFoundManagedZone(dns, spec, { events: options.events, missingIsEmpty: options.purpose === 'teardown' });
    } catch (e) {
      await closeClients(clients).catch(() => undefined);
      throw e;
    }
  }
  const dnsZone = zoned.cluster.spec.dnsZone;
  const iam = new IamApi(compute, { ...iamEndpointsFromEnv(options.env), ...options.compute?.iam });
  let issuer: IssuerParts;
  try {
    issuer = await openIssuerParts(spec, iam, project, {
      purpose: options.purpose,
      env: options.env,
      ...(options.stateStore === undefined ? {} : { stateStore: options.stateStore }),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      // The project's number, when the plan's addons read it already.
      ...(options.account === undefined ? {} : { projectNumber: options.account.id }),
    });
  } catch (e) {
    await closeClients(clients).catch(() => undefined);
    throw e;
  }
  const { discovery, previousDiscovery, workloadIdentity, serviceAccountKeys } = issuer;
  const ctx: GceContext = {
    compute,
    project,
    region,
    cluster,
    labels: ownershipLabels(cluster),
    description: ownerDescription(cluster),
    shared,
    events: options.events,
    dns,
    iam,
    ...(discovery ? { discovery } : {}),
    ...(previousDiscovery ? { previousDiscovery } : {}),
    ...(workloadIdentity ? { workloadIdentity } : {}),
    stateBucket: gcsLocation(options.stateStore ?? '', cluster)?.bucket,
    // Both API names are looked for even when the spec wants no records (topology.dns.type
    // None), so that records an earlier spec made are found and deleted.
    dnsNames: dnsZone ? { zone: dnsZone, records: [spec.cluster.spec.api.publicName, internalApiName(cluster)] } : undefined,
    mode: Object.freeze({ reconciling: options.purpose === 'reconcile' }),
  };
  const session = sessionOf<GceContext>({
    cloud: 'gce',
    purpose: options.purpose,
    kinds: GCE_KINDS,
    ctx,
    buildTasks: (boot: BootOptions) =>
      buildGceTasks(zoned, boot.serviceAccountKeys === undefined && serviceAccountKeys !== undefined ? { ...boot, serviceAccountKeys } : boot, workloadIdentity ? { projectNumber: workloadIdentity.projectNumber } : {}),
    apiCalls: () => calls,
    isRetryable: isTransient,
    // A client that fails to close has nothing left to release.
    close: () => {
      issuer.close();
      return closeClients(clients).catch(() => undefined);
    },
    listInstances: () => listInstances(ctx),
    rolling: async (store) => gceRollingCloud(ctx, spec, store),
    apiEndpoint: {
      task: taskId('Address', apiAddressName(settleSpec(spec, gceSpecRules))),
      // The forwarding rule on the address serves the API servers' port.
      url: async () => {
        const name = apiAddressName(settleSpec(spec, gceSpecRules));
        const address = (await addressKind.discover(ctx)).find((a) => a.name === name)?.outputs['address'];
        return typeof address === 'string' && address !== '' ? apiUrl(address, API_PORT) : undefined;
      },
    },
  });
  return { ...session, listInstances: () => listInstances(ctx), replaceInstance: (group, instance, opts) => replaceInstance(ctx, group, instance, opts) };
}
