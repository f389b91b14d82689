/** What the GCE task kinds work with. */

import type { EventSink } from '../../src/output/events.js';
import type { CloudDns } from './cloud-dns.js';
import type { Compute } from './compute.js';
import type { IamApi } from './iam-api.js';

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
  /** Whether the session reconciles the spec (update cluster) rather than tearing it down or reading. */
  readonly mode: { readonly reconciling: boolean };
}
