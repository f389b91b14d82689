/**
 * What a GCE session opens for the issuer's discovery and workload identity: the discovery
 * store of the spec and, when it moved, the one the last apply published in (its documents and
 * public read are then deleted); the workload identity context when the spec or the last applied
 * spec asks for it (so that a pool, provider or binding no longer asked for is found and
 * deleted), with the project's number, which principals name; and the keys the JWKS publishes.
 */

import { formatPath } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { irsaSettings } from '../../src/api/irsa.js';
import { discoveryContext } from '../discovery-documents.js';
import type { DiscoveryContext } from '../discovery-documents.js';
import type { WorkloadIdentityContext } from './context.js';
import type { IamApi } from './iam-api.js';
import { previousCluster } from './previous-spec.js';
import { WorkloadIdentityApi } from './workload-identity-api.js';
import { poolId } from './workload-identity-names.js';

export interface IssuerParts {
  readonly discovery?: DiscoveryContext;
  /** The discovery store the last apply published in, when it is not the spec's. */
  readonly previousDiscovery?: DiscoveryContext;
  readonly workloadIdentity?: WorkloadIdentityContext;
  /** The cluster's service-account public keys (a reconcile only). */
  readonly serviceAccountKeys?: readonly string[];
  close(): void;
}

export interface IssuerOptions {
  readonly purpose: 'reconcile' | 'teardown' | 'inspect';
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stateStore?: string;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The project's number, when it was read already (the plan's addons read it): not read again. */
  readonly projectNumber?: string;
}

export async function openIssuerParts(spec: CompletedSpec, iam: IamApi, project: string, options: IssuerOptions): Promise<IssuerParts> {
  if (options.purpose === 'inspect') return { close: () => undefined };
  const cluster = spec.cluster.metadata.name;
  const stores = { env: options.env, ...(options.stateStore === undefined ? {} : { stateStore: options.stateStore }) };
  const discovery = discoveryContext(spec, stores);
  let previousDiscovery: DiscoveryContext | undefined;
  const close = () => {
    discovery?.close();
    previousDiscovery?.close();
  };
  try {
    const previous = await previousCluster(options.stateStore, cluster, options.env);
    const before = previous && irsaSettings(previous);
    if (before !== undefined && before.folder !== discovery?.folder) previousDiscovery = discoveryContext({ ...spec, cluster: previous } as unknown as CompletedSpec, stores);
    let workloadIdentity: WorkloadIdentityContext | undefined;
    const wanted = [spec.cluster, ...(previous ? [previous] : [])].filter((c) => irsaSettings(c)?.externalPermissions === true);
    if (wanted.length > 0) {
      const api = new WorkloadIdentityApi(iam, project, options.sleep);
      const accounts = wanted.flatMap((c) =>
        (c.spec.iam?.serviceAccountExternalPermissions ?? []).flatMap((p, i) =>
          p.gcp === undefined ? [] : [{ email: p.gcp.serviceAccount, path: formatPath(['spec', 'iam', 'serviceAccountExternalPermissions', i, 'gcp', 'serviceAccount']), ...(c === spec.cluster ? {} : { previous: true }) }],
        ),
      );
      workloadIdentity = { api, pool: poolId(cluster), projectNumber: options.projectNumber ?? (await api.projectNumber()), accounts };
    }
    const serviceAccountKeys = discovery !== undefined && options.purpose === 'reconcile' ? await discovery.serviceAccountKeys() : undefined;
    return {
      ...(discovery ? { discovery } : {}),
      ...(previousDiscovery ? { previousDiscovery } : {}),
      ...(workloadIdentity ? { workloadIdentity } : {}),
      ...(serviceAccountKeys ? { serviceAccountKeys } : {}),
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}
