/** What the GCE task kinds work with. */

import type { EventSink } from '../../src/output/events.js';
import type { DiscoveryContext } from '../discovery-documents.js';
import type { CloudDns } from './cloud-dns.js';
import type { Compute } from './compute.js';
import type { IamApi } from './iam-api.js';
import type { WorkloadIdentityApi } from './workload-identity-api.js';

/** What the workload identity kinds need: the pool's id and the project's number, which principals name. */
export interface WorkloadIdentityContext {
  readonly api: WorkloadIdentityApi;
  /** The cluster's pool id (workload-identity-names.ts). */
  readonly pool: string;
  readonly projectNumber: string;
  /**
   * The GCP service accounts the spec names (gcp.serviceAccount, at `path`), whose policies hold
   * the bindings, and those the last applied spec named (`previous`: one that is gone is skipped).
   */
  readonly accounts: readonly { readonly email: string; readonly path: string; readonly previous?: boolean }[];
}

export interface GceContext {
  readonly compute: Compute;
  readonly project: string;
  /** The cluster's region: regional objects (subnetworks, addresses, forwarding rules) live there. */
  readonly region: string;
  readonly cluster: string;
  /** Labels every labelled object of the cluster carries; discovery filters on the cluster label. */
  readonly labels: Readonly<Record<string, string>>;
  /** The description of objects that have no labels; discovery filters on it. */
  readonly description: string;
  /** Objects the cluster uses but does not own, by kind (a network given by name): never deleted. */
  readonly shared: ReadonlyMap<string, readonly string[]>;
  readonly events: EventSink;
  /** Cloud DNS, for the API's records. */
  readonly dns: CloudDns;
  /** The managed zone of `dnsZone` and the record names the cluster owns in it. */
  readonly dnsNames: { readonly zone: string; readonly records: readonly string[] } | undefined;
  /** IAM: the machines' service accounts, the project's and the state store bucket's policies. */
  readonly iam: IamApi;
  /** The state store's bucket when it is on GCS (its IAM holds the machines' access); else undefined. */
  readonly stateBucket: string | undefined;
  /** The issuer's discovery store (spec.serviceAccountIssuerDiscovery.discoveryStore), when the spec names one. */
  readonly discovery?: DiscoveryContext;
  /** The discovery store the last apply published in, when the spec names another or none: what is found there is deleted. */
  readonly previousDiscovery?: DiscoveryContext;
  /** Workload identity federation (iam.useServiceAccountExternalPermissions), when the spec asks for it. */
  readonly workloadIdentity?: WorkloadIdentityContext;
  /** Whether the session reconciles the spec (update cluster) rather than tearing it down or reading. */
  readonly mode: { readonly reconciling: boolean };
}
