/**
 * A session with one cloud for one cluster: its task kinds, the context they run in, and the
 * model builder that turns the completed spec into tasks. Clouds load lazily, so a command
 * pays for one cloud's SDK only when that cloud is used.
 */

import type { CloudProvider, CompletedSpec } from '../src/api/index.js';
import type { Task, TaskKind } from '../src/engine/task.js';
import type { EventSink } from '../src/output/events.js';

export interface BootOptions {
  /** The state store URL the machines read their configuration from. */
  readonly stateStore: string;
  /** The hash of each instance group's node configuration. */
  readonly configHash: (ig: string) => string;
}

/** One machine of the cluster as its cloud sees it (`get instances` joins it with the node's status). */
export interface CloudInstance {
  readonly id: string;
  readonly instanceGroup: string;
  readonly role: string;
  /** The cloud's own state, e.g. pending, running, stopping, terminated. */
  readonly state: string;
  readonly address?: string;
  readonly launchedAt: string;
  /** The template version it was launched from, and the group's latest one. */
  readonly templateVersion?: number;
  readonly latestTemplateVersion?: number;
}

export interface CloudSession<Ctx = unknown> {
  readonly cloud: CloudProvider;
  readonly kinds: ReadonlyMap<string, TaskKind<Ctx>>;
  readonly ctx: Ctx;
  buildTasks(spec: CompletedSpec, boot: BootOptions): Task[];
  /** Cloud API calls made so far in this session. */
  apiCalls(): number;
  /** Transient errors (throttling, 5xx, connection resets) that the executor retries. */
  isRetryable(e: unknown): boolean;
  /** Every instance the cluster owns, including ones stopping or recently terminated. */
  listInstances?(): Promise<CloudInstance[]>;
  close(): void;
}

export interface OpenCloudOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
  /**
   * The command changes nothing: a cloud that would have to be started first (the local
   * cloud's daemon) is not started, and the command says it is not running.
   */
  readonly readOnly?: boolean;
}

export async function openCloud(spec: CompletedSpec, options: OpenCloudOptions): Promise<CloudSession> {
  const cloud = spec.cluster.spec.cloudProvider;
  switch (cloud) {
    case 'local':
      return (await import('./local/session.js')).openLocalSession(spec, options) as Promise<CloudSession>;
    case 'aws':
      return (await import('./aws/session.js')).openAwsSession(spec, options) as Promise<CloudSession>;
    case 'gce':
      return (await import('./gce/session.js')).openGceSession(spec, options) as Promise<CloudSession>;
  }
}
