/**
 * The Compute v1 clients of a session, in REST mode, sharing one auth object that counts every
 * HTTP request they send. Credentials are Application Default Credentials unless the caller
 * gives an auth client (a proxy that adds credentials itself, or a test server that needs none).
 */

import { AddressesClient } from '@google-cloud/compute/build/src/v1/addresses_client.js';
import { DisksClient } from '@google-cloud/compute/build/src/v1/disks_client.js';
import { FirewallsClient } from '@google-cloud/compute/build/src/v1/firewalls_client.js';
import { ForwardingRulesClient } from '@google-cloud/compute/build/src/v1/forwarding_rules_client.js';
import { GlobalOperationsClient } from '@google-cloud/compute/build/src/v1/global_operations_client.js';
import { InstanceGroupManagersClient } from '@google-cloud/compute/build/src/v1/instance_group_managers_client.js';
import { InstanceTemplatesClient } from '@google-cloud/compute/build/src/v1/instance_templates_client.js';
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client.js';
import { NetworksClient } from '@google-cloud/compute/build/src/v1/networks_client.js';
import { RegionOperationsClient } from '@google-cloud/compute/build/src/v1/region_operations_client.js';
import { RegionBackendServicesClient } from '@google-cloud/compute/build/src/v1/region_backend_services_client.js';
import { RegionHealthChecksClient } from '@google-cloud/compute/build/src/v1/region_health_checks_client.js';
import { RegionInstanceGroupManagersClient } from '@google-cloud/compute/build/src/v1/region_instance_group_managers_client.js';
import { RoutersClient } from '@google-cloud/compute/build/src/v1/routers_client.js';
import { SubnetworksClient } from '@google-cloud/compute/build/src/v1/subnetworks_client.js';
import { TargetPoolsClient } from '@google-cloud/compute/build/src/v1/target_pools_client.js';
import { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client.js';
import { GoogleAuth, PassThroughClient } from 'google-auth-library';
import type { AuthClient, gaxios } from 'google-auth-library';
import { HoistError } from '../../src/errors.js';
import type { IamEndpoints } from './iam-api.js';

export interface ComputeClients {
  readonly networks: NetworksClient;
  readonly subnetworks: SubnetworksClient;
  readonly firewalls: FirewallsClient;
  readonly instanceTemplates: InstanceTemplatesClient;
  readonly instanceGroupManagers: InstanceGroupManagersClient;
  readonly instances: InstancesClient;
  readonly addresses: AddressesClient;
  readonly forwardingRules: ForwardingRulesClient;
  readonly targetPools: TargetPoolsClient;
  readonly disks: DisksClient;
  readonly routers: RoutersClient;
  readonly regionInstanceGroupManagers: RegionInstanceGroupManagersClient;
  readonly regionHealthChecks: RegionHealthChecksClient;
  readonly regionBackendServices: RegionBackendServicesClient;
  readonly globalOperations: GlobalOperationsClient;
  readonly regionOperations: RegionOperationsClient;
  readonly zoneOperations: ZoneOperationsClient;
}

/** Where the Compute API is: by default compute.googleapis.com over HTTPS. */
export interface ComputeEndpoint {
  readonly apiEndpoint: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
}

export interface ComputeClientOptions {
  readonly endpoint?: ComputeEndpoint;
  /** Sends the requests; default: Application Default Credentials. */
  readonly authClient?: AuthClient;
  /** Where IAM, Resource Manager and GCS are (default: from the environment, else Google's). */
  readonly iam?: Partial<IamEndpoints>;
}

const SCOPES = ['https://www.googleapis.com/auth/compute', 'https://www.googleapis.com/auth/cloud-platform'];

/** GoogleAuth that counts each request on the wire, retries and pages included. */
class CountingAuth extends GoogleAuth {
  constructor(
    options: ConstructorParameters<typeof GoogleAuth>[0],
    private readonly onRequest: () => void,
  ) {
    super(options);
  }

  override fetch<T>(...args: Parameters<AuthClient['fetch']>): Promise<gaxios.GaxiosResponse<T>> {
    this.onRequest();
    return super.fetch<T>(...args);
  }
}

export function createClients(options: ComputeClientOptions, onRequest: () => void): ComputeClients {
  const auth = new CountingAuth({ scopes: SCOPES, ...(options.authClient ? { authClient: options.authClient } : {}) }, onRequest);
  const endpoint = options.endpoint;
  const opts = {
    fallback: true,
    auth,
    ...(endpoint ? { apiEndpoint: endpoint.apiEndpoint, ...(endpoint.port ? { port: endpoint.port } : {}), protocol: endpoint.protocol ?? 'https' } : {}),
  } as ConstructorParameters<typeof NetworksClient>[0];
  return {
    networks: new NetworksClient(opts),
    subnetworks: new SubnetworksClient(opts),
    firewalls: new FirewallsClient(opts),
    instanceTemplates: new InstanceTemplatesClient(opts),
    instanceGroupManagers: new InstanceGroupManagersClient(opts),
    instances: new InstancesClient(opts),
    addresses: new AddressesClient(opts),
    forwardingRules: new ForwardingRulesClient(opts),
    targetPools: new TargetPoolsClient(opts),
    disks: new DisksClient(opts),
    routers: new RoutersClient(opts),
    regionInstanceGroupManagers: new RegionInstanceGroupManagersClient(opts),
    regionHealthChecks: new RegionHealthChecksClient(opts),
    regionBackendServices: new RegionBackendServicesClient(opts),
    globalOperations: new GlobalOperationsClient(opts),
    regionOperations: new RegionOperationsClient(opts),
    zoneOperations: new ZoneOperationsClient(opts),
  };
}

/**
 * Finds Application Default Credentials before any client is used. Without them every method of
 * every client fails at once, and the methods nobody awaited surface as unhandled rejections with
 * the library's stack trace; finding them first turns that into one error with the fix.
 */
export async function checkCredentials(options: ComputeClientOptions): Promise<void> {
  if (options.authClient) return;
  try {
    await new GoogleAuth({ scopes: SCOPES }).getClient();
  } catch (e) {
    throw new HoistError('CLOUD', `GCE: no credentials: ${(e as Error).message}`, {
      hint: 'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file; on a GCE machine, give the machine a service account',
    });
  }
}

export async function closeClients(clients: ComputeClients): Promise<void> {
  await Promise.all(Object.values(clients).map((c: { close(): Promise<void> }) => c.close()));
}

/**
 * Client options from the command's environment: `HOIST_GCE_ENDPOINT` (a URL such as
 * `https://compute-private.example.com` or a local server) and `HOIST_GCE_AUTH=none` to send no
 * credentials (for endpoints that add them or need none). Anything else: compute.googleapis.com
 * with Application Default Credentials.
 */
export function clientOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): ComputeClientOptions {
  const raw = env.HOIST_GCE_ENDPOINT;
  const auth = env.HOIST_GCE_AUTH;
  if (auth !== undefined && auth !== 'none' && auth !== 'adc') {
    throw new HoistError('INVALID_FLAG', `HOIST_GCE_AUTH=${auth} is not a credentials mode`, { hint: 'use adc (Application Default Credentials, the default) or none' });
  }
  let endpoint: ComputeEndpoint | undefined;
  if (raw) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new HoistError('INVALID_FLAG', `HOIST_GCE_ENDPOINT=${raw} is not a URL`, { hint: 'e.g. HOIST_GCE_ENDPOINT=https://compute.googleapis.com' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HoistError('INVALID_FLAG', `HOIST_GCE_ENDPOINT=${raw} must be an http or https URL`);
    endpoint = { apiEndpoint: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), protocol: url.protocol === 'http:' ? 'http' : 'https' };
  }
  return { ...(endpoint ? { endpoint } : {}), ...(auth === 'none' ? { authClient: new PassThroughClient() } : {}) };
}
