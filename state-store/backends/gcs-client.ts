/**
 * How the gs:// store reaches GCS: the endpoint and credentials from the environment, and what
 * an error from `@google-cloud/storage` says (its HTTP status, and whether the bucket is missing).
 *
 *   HOIST_GCS_ENDPOINT   the API's base URL (default https://storage.googleapis.com), for private
 *                        endpoints, proxies and test servers
 *   HOIST_GCS_AUTH       adc (default): Application Default Credentials; none: send no credentials
 *                        (only with HOIST_GCS_ENDPOINT, for an endpoint that needs none)
 */

import type { StorageOptions } from '@google-cloud/storage';
import { invalidFlag } from '../../src/errors.js';

type Env = Readonly<Record<string, string | undefined>>;

export function storageOptions(env: Env): { readonly storage: StorageOptions; readonly endpoint: string | undefined } {
  const endpoint = env['HOIST_GCS_ENDPOINT']?.replace(/\/+$/, '') || undefined;
  const auth = env['HOIST_GCS_AUTH'] ?? 'adc';
  if (auth !== 'adc' && auth !== 'none') throw invalidFlag('HOIST_GCS_AUTH', auth, 'is not a way to authenticate to GCS', 'use adc (Application Default Credentials, the default) or none');
  if (auth === 'none' && endpoint === undefined) {
    throw invalidFlag('HOIST_GCS_AUTH', auth, 'sends no credentials, which storage.googleapis.com refuses', 'set HOIST_GCS_ENDPOINT to the endpoint that needs none, or unset HOIST_GCS_AUTH');
  }
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(endpoint)) {
    throw invalidFlag('HOIST_GCS_ENDPOINT', endpoint, 'is not an http(s) URL', 'e.g. https://storage.googleapis.com or http://127.0.0.1:4443');
  }
  return {
    endpoint,
    storage: {
      ...(endpoint === undefined ? {} : { apiEndpoint: endpoint, useAuthWithCustomEndpoint: auth === 'adc' }),
      // Retries stay the library's (429, 5xx and dropped connections, conditional writes included).
    },
  };
}

export interface GcsErrorInfo {
  /** The HTTP status, when GCS answered. */
  readonly status: number | undefined;
  /** The bucket itself does not exist (a 404 of the bucket, not of an object). */
  readonly noBucket: boolean;
  readonly message: string;
}

export function gcsErrorOf(e: unknown): GcsErrorInfo {
  const code = (e as { code?: unknown } | undefined)?.code;
  const status = typeof code === 'number' ? code : undefined;
  const raw = e instanceof Error ? e.message : String(e);
  // A failed media download carries the error body as its message: take GCS's message from it.
  let message = raw;
  try {
    const parsed = JSON.parse(raw) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // not JSON: the message as it is
  }
  return { status, noBucket: status === 404 && message.includes('bucket does not exist'), message };
}
