/**
 * Retrying the drain's Kubernetes calls through a passing fault, as kubectl drain does: a
 * connection the API (or its load balancer) reset, refused or dropped during the TLS handshake,
 * a timeout, 429 Too Many Requests or a 5xx. Any other 4xx is an answer, not a fault: it is
 * thrown at once. Without this, one reset on a busy machine failed a whole rolling update.
 */

import { apiErrorCode } from './kube-api.js';

/** Tries in all, and the first pause (doubled after each try, up to MAX_PAUSE_MS). */
export const KUBE_TRIES = 5;
const FIRST_PAUSE_MS = 250;
const MAX_PAUSE_MS = 4_000;

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const NETWORK_TEXT = /socket disconnected|socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|timed? ?out|network/i;

/** Whether `e` is a fault that may pass: a network error, 429 or 5xx. */
export function transient(e: unknown): boolean {
  const status = apiErrorCode(e);
  if (status !== undefined) return status === 429 || status >= 500;
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (c instanceof Error && NETWORK_TEXT.test(c.message)) return true;
  }
  return false;
}

export interface RetryOptions {
  readonly sleep: (ms: number) => Promise<void>;
  /** Called before each retry, with the fault and the try that comes next. */
  readonly retrying?: (e: unknown, next: number) => void;
  /** Faults that the caller handles itself (e.g. an eviction's 429) are not retried here. */
  readonly keep?: (e: unknown) => boolean;
}

/** `call`, tried up to KUBE_TRIES times while it fails with a transient fault. */
export async function withRetries<T>(call: () => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1, pause = FIRST_PAUSE_MS; ; attempt++, pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= KUBE_TRIES || opts.keep?.(e) === true || !transient(e)) throw e;
      opts.retrying?.(e, attempt + 1);
      await opts.sleep(pause);
    }
  }
}
