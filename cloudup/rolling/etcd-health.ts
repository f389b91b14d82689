/**
 * etcd's part of a control-plane roll: the cluster's etcd clusters must be healthy (every member
 * answers, one leader) before a control-plane machine goes, so that taking its member down
 * never loses quorum, and again after its replacement is Ready, before the next one goes.
 */

import type { WaitClock } from './waiting.js';
import { waitFor } from './waiting.js';
import { HoistError } from '../../src/errors.js';

/** Undefined when every etcd cluster is healthy; else why not, in one line. */
export type EtcdProblem = () => Promise<string | undefined>;

export async function waitEtcdHealthy(clock: WaitClock, problem: EtcdProblem, timeoutMs: number, when: string): Promise<void> {
  const pending = await waitFor(clock, {
    what: `etcd to be healthy ${when}`,
    timeoutMs,
    look: async () => {
      const why = await problem();
      return why === undefined ? undefined : { message: why, data: { etcd: why } };
    },
  });
  if (pending === undefined) return;
  throw new HoistError('ABORTED', `etcd was not healthy ${when} within ${Math.round(timeoutMs / 1000)} s: ${pending.message}; no further control-plane machine was touched, so no member went down while quorum needed it`, {
    hint: 'hoist etcd status shows each member; bring the missing members back, then run the rolling update again',
  });
}
