/**
 * How long a local instance takes to boot: the time a cloud VM spends between launch and its
 * OS starting the user data (tens of seconds on EC2 or GCE). By default a local instance boots
 * at once; a boot time makes it stay `pending` (phase `booting`, no process yet) that long
 * first, so that waits, timeouts and rolling updates behave as they do on a real cloud. It is a
 * setting of the daemon, read from $HOIST_LOCAL_CLOUD_BOOT_TIME when the daemon starts.
 */

import parse from 'parse-duration';
import { ValidationError } from '../../src/errors.js';
import type { Env } from './files.js';

export const BOOT_TIME_ENV = 'HOIST_LOCAL_CLOUD_BOOT_TIME';
/** The longest boot time: a cloud that takes longer to boot a VM is broken. */
export const MAX_BOOT_TIME_MS = 10 * 60_000;
const FORM = /^(\d+(\.\d+)?(ms|s|m))+$/;

/** The boot time in milliseconds that `env` asks for (0 when unset). */
export function bootTimeMs(env: Env): number {
  const text = env[BOOT_TIME_ENV]?.trim();
  if (!text) return 0;
  const ms = FORM.test(text) ? parse(text) : undefined;
  if (ms === undefined || ms === null || ms > MAX_BOOT_TIME_MS) {
    throw new ValidationError('the environment', [{
      path: BOOT_TIME_ENV,
      value: text,
      message: ms === undefined || ms === null ? 'is not a duration' : 'is longer than 10 minutes',
      fix: `e.g. ${BOOT_TIME_ENV}=2s or 500ms; unset it for instances that boot at once`,
    }], 'INVALID_FLAG');
  }
  return Math.round(ms);
}
