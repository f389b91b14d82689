/**
 * What every command shares: the state store it works on, the cluster it is about, and the
 * cluster lock around changes. Commands get a Context from their global flags and pass it on.
 */

// The spec API (its schemas), the clientset and the lock are imported when a command uses them,
// not by every command: `hoist get clusters` reads without them (see get-clusters.ts).
import { clusterNameProblems } from '../api/names.js';
import { HoistError, ValidationError } from '../errors.js';
import type { IO } from '../output/io.js';
import type { Clientset } from '../../state-store/clientset.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { coalesceReads } from '../../state-store/coalesce.js';
import { openStore } from '../../state-store/open.js';

export interface GlobalOptions {
  readonly state?: string;
  readonly name?: string;
  readonly verbose?: boolean;
}

export interface Context {
  readonly io: IO;
  readonly global: GlobalOptions;
  /** The command line as typed, recorded in history. */
  readonly commandLine: string;
  store(): Promise<ObjectStore>;
  clientset(): Promise<Clientset>;
  /** The cluster named on the command line, by `--name`, or by HOIST_CLUSTER_NAME. */
  clusterName(positional?: string): string;
  /** Runs `fn` holding the cluster's state-store lock; releases it however `fn` ends. */
  withLock<T>(cluster: string, operation: string, fn: () => Promise<T>): Promise<T>;
}

export function createContext(io: IO, global: GlobalOptions, commandLine: string): Context {
  let opened: Promise<ObjectStore> | undefined;
  let clients: Promise<Clientset> | undefined;

  const store = (): Promise<ObjectStore> => {
    opened ??= (async () => {
      const url = global.state ?? io.env.HOIST_STATE_STORE;
      if (!url) {
        throw new HoistError('INVALID_FLAG', 'no state store given', {
          hint: 'pass --state s3://bucket, --state gs://bucket, --state file:///path, or set HOIST_STATE_STORE',
        });
      }
      const source = global.state ? '--state' : 'HOIST_STATE_STORE';
      return coalesceReads(await openStore(url, { events: io.events, cwd: io.cwd, env: io.env, source }));
    })();
    return opened;
  };

  const ctx: Context = {
    io,
    global,
    commandLine,
    store,
    clientset() {
      clients ??= Promise.all([store(), import('../../state-store/clientset.js')]).then(([s, m]) => new m.Clientset(s, io.events));
      return clients;
    },
    clusterName(positional) {
      const name = positional ?? global.name ?? io.env.HOIST_CLUSTER_NAME;
      if (!name) {
        throw new HoistError('INVALID_FLAG', 'no cluster name given', {
          hint: 'name the cluster as an argument, with --name, or set HOIST_CLUSTER_NAME',
        });
      }
      const problems = clusterNameProblems(name, 'cluster name');
      if (problems.length > 0) throw new ValidationError('the cluster name', problems, 'INVALID_NAME');
      return name;
    },
    async withLock(cluster, operation, fn) {
      const { acquireLock } = await import('../../state-store/lock.js');
      const held = await acquireLock(await store(), cluster, { operation, events: io.events });
      try {
        return await fn();
      } finally {
        await held.release();
      }
    },
  };
  return ctx;
}
