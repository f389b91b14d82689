/**
 * A session with AWS for one cluster: the SDK clients (loaded only when a cluster runs on AWS),
 * the task kinds, and the model. Every attempt of every call is counted (`apiCalls`), and
 * throttling, 5xx and dropped connections are retried by the SDK (adaptive mode) and then by
 * the executor (`isRetryable`).
 */

import { randomUUID } from 'node:crypto';
import type { Pluggable } from '@smithy/types';
import type { CompletedSpec } from '../../src/api/index.js';
import { taskId } from '../../src/engine/task.js';
import { HoistError } from '../../src/errors.js';
import { apiUrl } from '../../src/pki/api-endpoint.js';
import { internalApiName } from '../../src/pki/requests.js';
import { discoveryContext, previousDiscovery } from '../discovery-documents.js';
import { sessionOf } from '../provider.js';
import type { BootOptions, CloudSession, OpenOptions } from '../provider.js';
import { createClients, destroyClients } from './clients.js';
import type { AwsContext } from './context.js';
import { Listings } from './context.js';
import { isRetryableAwsError } from './errors.js';
import { listAwsInstances } from './instances.js';
import { resolveImageNames } from './images.js';
import { withFoundHostedZone } from './dns-zone.js';
import { buildAwsTasks } from './model/index.js';
import { apiClientPort, apiName, groupName } from './model/names.js';
import { clusterTags } from './model/tags.js';
import { AWS_KINDS } from './tasks/index.js';
import { loadBalancerKind } from './tasks/load-balancer.js';

export interface AwsSessionOptions extends OpenOptions {
  /** SDK plugins added to every client after hoist's own middleware (tests inject faults so). */
  readonly plugins?: readonly Pluggable<object, object>[];
  /** Attempts per call, the first included; default AWS_MAX_ATTEMPTS, else 8. */
  readonly maxAttempts?: number;
}

const DEFAULT_MAX_ATTEMPTS = 8;

/** The SDK's own setting, AWS_MAX_ATTEMPTS, which hoist's default would otherwise override. */
function maxAttemptsOf(env: Readonly<Record<string, string | undefined>>): number {
  const given = env['AWS_MAX_ATTEMPTS'];
  if (given === undefined || given === '') return DEFAULT_MAX_ATTEMPTS;
  if (!/^[1-9][0-9]{0,2}$/.test(given)) {
    throw new HoistError('INVALID_FLAG', `AWS_MAX_ATTEMPTS is ${JSON.stringify(given)}: it is the number of attempts of each AWS call, a whole number from 1`, { hint: `unset it for hoist's default of ${DEFAULT_MAX_ATTEMPTS}, or set e.g. AWS_MAX_ATTEMPTS=3` });
  }
  return Number(given);
}

export async function openAwsSession(spec: CompletedSpec, options: AwsSessionOptions): Promise<CloudSession<AwsContext>> {
  const c = spec.cluster.spec;
  const cluster = spec.cluster.metadata.name;
  const region = c.region ?? options.env['AWS_REGION'] ?? options.env['AWS_DEFAULT_REGION'];
  if (!region) {
    throw new HoistError('INVALID_SPEC', `cluster ${cluster} has no region: its subnets name no zone`, { path: 'spec.region', hint: 'set spec.region, or the zones of the subnets (e.g. us-east-1a)' });
  }
  let calls = 0;
  const clients = createClients({ region, env: options.env, maxAttempts: options.maxAttempts ?? maxAttemptsOf(options.env), plugins: options.plugins ?? [], onAttempt: () => void calls++ });
  // A spec that names no dnsZone has its zone found in Route 53 (cloudup/aws/dns-zone.ts): the
  // plan makes the records there, and a teardown deletes them from there.
  let zoned = spec;
  if (options.purpose !== 'inspect') {
    try {
      zoned = await withFoundHostedZone(clients, spec, { events: options.events, missingIsEmpty: options.purpose === 'teardown' });
    } catch (e) {
      destroyClients(clients);
      throw e;
    }
  }
  const dnsZone = zoned.cluster.spec.dnsZone;
  const stores = { env: options.env, ...(options.stateStore === undefined ? {} : { stateStore: options.stateStore }) };
  const discovery = discoveryContext(spec, stores);
  const previous = previousDiscovery(spec, stores);
  const sharedSubnets = c.subnets.flatMap((s) => (s.id ? [s.id] : []));
  const ctx: AwsContext = {
    clients,
    cluster,
    region,
    sessionId: randomUUID(),
    shared: new Map<string, readonly string[]>([
      ...(c.networkID ? [['VPC', [c.networkID]] as [string, string[]]] : []),
      ...(sharedSubnets.length > 0 ? [['Subnet', sharedSubnets] as [string, string[]]] : []),
    ]),
    // Both API names are looked for even when the spec wants no records (topology.dns.type
    // None), so that records an earlier spec made are found and deleted.
    dns: dnsZone ? { zone: dnsZone, records: [c.api.publicName, internalApiName(cluster)] } : undefined,
    tags: clusterTags(spec),
    listings: new Listings(),
    mode: Object.freeze({ reconciling: options.purpose === 'reconcile' }),
    ...(options.purpose === 'reconcile' ? { plannedGroups: spec.instanceGroups.map((ig) => groupName(ig.metadata.name, cluster)) } : {}),
    ...(discovery ? { discovery } : {}),
    ...(previous ? { previousDiscovery: previous } : {}),
    events: options.events,
  };
  // kops's image names (owner/name) become AMI ids for the model; a teardown builds no model.
  let modelSpec = zoned;
  if (options.purpose !== 'teardown') {
    try {
      modelSpec = await resolveImageNames(clients.ec2, zoned);
    } catch (e) {
      destroyClients(clients);
      throw e;
    }
  }
  // The keys the issuer's JWKS publishes (spec.serviceAccountIssuerDiscovery), read once per session.
  let serviceAccountKeys: readonly string[] | undefined;
  if (discovery !== undefined && options.purpose === 'reconcile') {
    try {
      serviceAccountKeys = await discovery.serviceAccountKeys();
    } catch (e) {
      discovery.close();
      destroyClients(clients);
      throw e;
    }
  }
  return sessionOf({
    cloud: 'aws',
    purpose: options.purpose,
    kinds: AWS_KINDS,
    ctx,
    buildTasks: (boot: BootOptions) => buildAwsTasks(modelSpec, boot.serviceAccountKeys === undefined && serviceAccountKeys !== undefined ? { ...boot, serviceAccountKeys } : boot),
    apiCalls: () => calls,
    listInstances: () => listAwsInstances(ctx),
    rolling: async (store) => (await import('./rolling.js')).awsRollingCloud(ctx, spec, store),
    apiEndpoint: {
      task: taskId('LoadBalancer', apiName(cluster)),
      // Clients reach the load balancer's listener (the provider's apiPort), which forwards to kube-apiserver's 6443.
      url: async () => {
        // Without a load balancer (api.dns) the API has no name but DNS records'.
        if (!c.api.loadBalancer) {
          throw new HoistError('INVALID_SPEC', `spec.api of ${cluster} makes no load balancer, and spec.topology.dns.type None makes no DNS records: nothing would name the API`, {
            path: 'spec.api',
            hint: 'set spec.api to {loadBalancer: {type: Public}}, or spec.topology.dns.type to Public with a dnsZone',
          });
        }
        const lb = (await loadBalancerKind.discover(ctx)).find((l) => l.name === apiName(cluster));
        const dns = lb?.outputs['dnsName'];
        return typeof dns === 'string' && dns !== '' ? apiUrl(dns.toLowerCase(), apiClientPort(spec)) : undefined;
      },
    },
    isRetryable: isRetryableAwsError,
    close: async () => {
      discovery?.close();
      previous?.close();
      destroyClients(clients);
    },
  });
}
