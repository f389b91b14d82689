/**
 * How Compute errors map to the engine. The REST transport reports an HTTP error with the
 * status and the Google error body (`{ error: { code, message, errors: [{ reason }] } }`);
 * an operation that fails reports `error.errors[].code` when it is done. Throttling and 5xx
 * are transient (retried); "in use" and "not ready" clear by themselves (NotReadyError, retried
 * with backoff); "not found" on delete means done.
 */

import { HoistError } from '../../src/errors.js';
import { NotReadyError } from '../../src/engine/executor.js';

export interface GoogleErrorInfo {
  /** The HTTP status, when the API answered. */
  readonly status?: number;
  /** The first `errors[].reason` (`notFound`, `resourceInUseByAnotherResource`, …) or operation error code. */
  readonly reason?: string;
  readonly message: string;
}

/** gRPC codes the client library may report instead of an HTTP status. */
const GRPC_TO_HTTP: Readonly<Record<number, number>> = { 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 13: 500, 14: 503, 16: 401 };

const TRANSIENT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'backendError', 'internalError', 'RATE_LIMIT_EXCEEDED', 'INTERNAL_ERROR']);
const IN_USE_REASONS = new Set(['resourceInUseByAnotherResource', 'resourceNotReady', 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', 'RESOURCE_NOT_READY', 'conditionNotMet', 'CONDITION_NOT_MET']);
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** A Compute call that failed: what the API said, and the call it answered. */
export class GceApiError extends HoistError {
  readonly info: GoogleErrorInfo;

  constructor(call: string, info: GoogleErrorInfo, cause: unknown) {
    const detail = [info.status, info.reason].filter((x) => x !== undefined).join(' ');
    super('CLOUD', `GCE ${call}: ${info.message}${detail ? ` (${detail})` : ''}`, { cause });
    this.info = info;
  }
}

export function errorInfo(e: unknown): GoogleErrorInfo {
  if (e instanceof GceApiError) return e.info;
  const x = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
  const message = e instanceof Error ? e.message : String(e);
  const body = parseBody(message) ?? parseBody(x.error);
  const status = numeric(x.status) ?? numeric((x.response as Record<string, unknown> | undefined)?.status) ?? body?.code ?? grpcStatus(x.code);
  const reason = body?.errors?.[0]?.reason ?? (typeof x.reason === 'string' ? x.reason : undefined) ?? (typeof x.code === 'string' ? x.code : undefined);
  return { ...(status === undefined ? {} : { status }), ...(reason === undefined ? {} : { reason }), message: body?.message ?? message };
}

interface Body {
  readonly code?: number;
  readonly message?: string;
  readonly errors?: readonly { readonly reason?: string }[];
}

function parseBody(v: unknown): Body | undefined {
  let json: unknown = v;
  if (typeof v === 'string') {
    if (!v.trimStart().startsWith('{')) return undefined;
    try {
      json = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  const error = (json as { error?: unknown } | undefined)?.error;
  return typeof error === 'object' && error !== null ? (error as Body) : undefined;
}

function numeric(v: unknown): number | undefined {
  return typeof v === 'number' && v >= 100 ? v : undefined;
}

function grpcStatus(v: unknown): number | undefined {
  return typeof v === 'number' ? GRPC_TO_HTTP[v] : undefined;
}

export function isNotFound(e: unknown): boolean {
  const i = errorInfo(e);
  return i.status === 404 || i.reason === 'notFound' || i.reason === 'RESOURCE_NOT_FOUND';
}

export function isAlreadyExists(e: unknown): boolean {
  const i = errorInfo(e);
  return i.status === 409 || i.reason === 'alreadyExists' || i.reason === 'RESOURCE_ALREADY_EXISTS';
}

export function isInUse(e: unknown): boolean {
  const i = errorInfo(e);
  return (i.reason !== undefined && IN_USE_REASONS.has(i.reason)) || /is already being used by|is not ready/.test(i.message);
}

/** Throttling, 5xx and dropped connections: the call may be sent again (mutations carry a requestId). */
export function isTransient(e: unknown): boolean {
  const i = errorInfo(e);
  if (i.status === 429 || (i.status !== undefined && i.status >= 500)) return true;
  if (i.reason !== undefined && (TRANSIENT_REASONS.has(i.reason) || CONNECTION_CODES.has(i.reason))) return true;
  const cause = (e as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof cause === 'string' && CONNECTION_CODES.has(cause);
}

/** "In use" and "not ready" become NotReadyError, which the executor retries with backoff. */
export function toEngineError(e: unknown): unknown {
  return isInUse(e) ? new NotReadyError(e instanceof Error ? e.message : String(e), { cause: e }) : e;
}
