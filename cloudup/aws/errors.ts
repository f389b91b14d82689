/**
 * How AWS errors map to the engine: throttling and 5xx are transient (retried), "still in use"
 * is not ready yet (retried with backoff until its users are gone), "not found" on delete is done.
 */

import { HoistError } from '../../src/errors.js';
import { NotReadyError } from '../../src/engine/executor.js';

/** Error names AWS uses when it sheds load: the call was not carried out. */
const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

/** Errors that mean another object still uses this one, or it is changing state. */
const IN_USE = new Set([
  'DependencyViolation',
  'ResourceInUse',
  'ResourceInUseException',
  'ResourceInUseFault',
  'InvalidGroup.InUse',
  'VolumeInUse',
  'InvalidIPAddress.InUse',
  'InvalidNetworkInterface.InUse',
  'IncorrectState',
  'IncorrectInstanceState',
  'ScalingActivityInProgress',
  'ScalingActivityInProgressFault',
  'DeleteConflict',
  'DeleteConflictException',
  'InvalidParameterValue.InUse',
  'Resource.AlreadyAssociated',
  'AuthFailure.ServiceLinkedRoleCreationNotPermitted',
]);

/**
 * A create that failed in a way that leaves its outcome unknown (a 5xx or a dropped connection).
 * The SDK does not resend it; the task's next attempt looks for the object before creating it.
 */
export class AmbiguousCreateError extends HoistError {
  /**
   * The SDK's error. Not the `cause`: the SDK's retry strategy follows causes, and would find
   * the 5xx there and send the create again.
   */
  readonly original: unknown;

  constructor(command: string, original: unknown) {
    super('CLOUD', `${command} failed with ${errorName(original) ?? 'an error'}; it may have been carried out`);
    this.original = original;
  }
}

export function errorName(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const named = e as { name?: unknown; Code?: unknown };
  if (typeof named.Code === 'string') return named.Code;
  return typeof named.name === 'string' ? named.name : undefined;
}

export function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export function isThrottling(e: unknown): boolean {
  const name = errorName(e);
  return (name !== undefined && THROTTLING.has(name)) || httpStatus(e) === 429;
}

/** What the executor retries besides NotReadyError: throttling, 5xx, dropped connections. */
export function isRetryableAwsError(e: unknown): boolean {
  if (e instanceof AmbiguousCreateError || isThrottling(e)) return true;
  const status = httpStatus(e);
  if (status !== undefined && status >= 500) return true;
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code)) return true;
  // Newly made IAM objects take a moment to be seen by EC2 and Auto Scaling.
  const message = e instanceof Error ? e.message : '';
  return /Invalid IamInstanceProfile|instance profile .* (is )?invalid|not authorized to perform: iam:PassRole/i.test(message);
}

export function hasName(e: unknown, ...names: readonly string[]): boolean {
  const name = errorName(e);
  return name !== undefined && names.includes(name);
}

/** "Not found" in the words of each service: a delete of something absent is done. */
export function isNotFound(e: unknown): boolean {
  const name = errorName(e) ?? '';
  if (name === 'ValidationError') return /not found|does not exist/i.test(e instanceof Error ? e.message : '');
  return /NotFound|NoSuch|^InvalidAllocationID|^InvalidAssociationID/.test(name) && !/InUse/.test(name);
}

/** Maps "still in use" to NotReadyError so that the executor retries it with backoff. */
export function toEngineError(e: unknown, what: string): unknown {
  if (IN_USE.has(errorName(e) ?? '')) return new NotReadyError(`${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  return e;
}
