/**
 * A test hook that stops a process at an exact step of its writes to the state store, as a
 * crash or a `kill -9` would, so that tests can check what every step leaves behind.
 *
 * Set `HOIST_TEST_CRASH_AT=N` (tests only; see docs/state-store.md) and the process kills itself
 * with SIGKILL at its Nth step. The steps are: each put or delete, just before it is sent; and on
 * file://, each put once its temp file is written, just before the object takes its name. Without
 * the variable nothing is wrapped and nothing is counted.
 */

import { HoistError } from '../src/errors.js';
import type { DeleteCondition, ObjectStore, PutCondition } from './object-store.js';

export const CRASH_AT_ENV = 'HOIST_TEST_CRASH_AT';

/** Counts steps and crashes at one of them; once crashed, every further store call fails. */
export class CrashPoints {
  #steps = 0;
  #crashed = false;

  constructor(
    readonly at: number,
    private readonly crash: () => void,
  ) {}

  get crashed(): boolean {
    return this.#crashed;
  }

  step(): void {
    this.alive();
    this.#steps += 1;
    if (this.#steps !== this.at) return;
    this.#crashed = true;
    this.crash();
    // An in-process crash (a test) must stop the caller too, as SIGKILL would.
    throw new HoistError('INTERNAL', `stopped at step ${this.at} (${CRASH_AT_ENV})`);
  }

  alive(): void {
    if (this.#crashed) throw new HoistError('INTERNAL', `the process stopped at step ${this.at} (${CRASH_AT_ENV})`);
  }
}

/** The step to crash at, from the environment; undefined when the hook is off. */
export function crashPointFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const value = env[CRASH_AT_ENV];
  if (value === undefined || value === '') return undefined;
  if (!/^[1-9]\d*$/.test(value)) {
    throw new HoistError('INVALID_FLAG', `${CRASH_AT_ENV}=${JSON.stringify(value)} is not a step number`, {
      hint: `it is a test hook: unset it, or give a whole number from 1 (${CRASH_AT_ENV}=3)`,
    });
  }
  return Number(value);
}

export function killSelf(): void {
  process.kill(process.pid, 'SIGKILL');
}

/** `store` with a crash point before each put and delete. */
export function withCrashPoints(store: ObjectStore, points: CrashPoints): ObjectStore {
  const wrapped: ObjectStore = {
    url: store.url,
    get: async (key) => {
      points.alive();
      return store.get(key);
    },
    list: async (prefix) => {
      points.alive();
      return store.list(prefix);
    },
    put: async (key: string, body: Uint8Array | string, condition?: PutCondition) => {
      points.step();
      return store.put(key, body, condition);
    },
    delete: async (key: string, condition?: DeleteCondition) => {
      points.step();
      return store.delete(key, condition);
    },
    close: () => store.close?.(),
  };
  const listWithEtags = store.listWithEtags?.bind(store);
  if (!listWithEtags) return wrapped;
  return {
    ...wrapped,
    listWithEtags: async (prefix) => {
      points.alive();
      return listWithEtags(prefix);
    },
  };
}
