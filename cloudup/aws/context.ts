/** What the AWS task kinds work with: the clients, the cluster's identity and one plan's listings. */

import { createHash } from 'node:crypto';
import type { EventSink } from '../../src/output/events.js';
import type { AwsClients } from './clients.js';
import type { DiscoveryContext, PreviousDiscovery } from '../discovery-documents.js';

export interface AwsContext {
  readonly clients: AwsClients;
  readonly cluster: string;
  readonly region: string;
  /** Random per session: client tokens made from it repeat within a session's retries only. */
  readonly sessionId: string;
  /** Objects the cluster uses but does not own, by kind (a VPC or subnets given by id). */
  readonly shared: ReadonlyMap<string, readonly string[]>;
  /** The hosted zone of `dnsZone` and the record names the cluster owns in it. */
  readonly dns: { readonly zone: string; readonly records: readonly string[] } | undefined;
  /** Ownership tags and the spec's cloud labels: what IAM objects get when made (their listings omit tags). */
  readonly tags: Readonly<Record<string, string>>;
  readonly listings: Listings;
  /**
   * The Auto Scaling groups a session that reconciles a spec wants, by name, known when it is
   * opened: discovery describes them by name, and starts before the plan's tasks are built.
   */
  readonly plannedGroups?: readonly string[];
  /**
   * Fixed when the session is opened, from its purpose: only a session that reconciles a spec
   * leaves alone what hoist never creates but a cluster leaves behind (instances, detached
   * network interfaces) and what Kubernetes made for the cluster; a teardown (or an inspection)
   * discovers those too, so that they are deleted with the cluster.
   */
  readonly mode: { readonly reconciling: boolean };
  readonly events: EventSink;
  /** spec.serviceAccountIssuerDiscovery: the store its documents go to, and the keys they publish. */
  readonly discovery?: DiscoveryContext;
  /** The discovery store the last apply published in, when the spec names another or none: what is found there is deleted. */
  readonly previousDiscovery?: PreviousDiscovery;
}

/**
 * One listing per resource type and plan, shared by every kind that reads it (subnets for the
 * subnets, and for the names of route-table associations). Any change to the cloud drops them,
 * so a listing read after a create is fresh.
 */
/** An idempotency token for one create of one task in this session. */
export function clientToken(ctx: Pick<AwsContext, 'sessionId'>, taskName: string): string {
  return createHash('sha256').update(`${ctx.sessionId}\n${taskName}`).digest('hex').slice(0, 64);
}

export class Listings {
  readonly #cache = new Map<string, Promise<unknown>>();

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    let hit = this.#cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      this.#cache.set(key, hit);
      // A failed listing is not kept: the next reader tries again.
      hit.catch(() => this.#cache.delete(key));
    }
    return hit;
  }

  clear(): void {
    this.#cache.clear();
  }
}
