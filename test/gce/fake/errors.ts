/**
 * Errors in the shape Compute v1 returns them: `{ error: { code, message, errors: [{ message,
 * domain, reason }], status } }`, with the reasons the real API uses for the calls hoist makes.
 */

export type Reason =
  | 'notFound'
  | 'alreadyExists'
  | 'invalid'
  | 'required'
  | 'badRequest'
  | 'resourceInUseByAnotherResource'
  | 'conditionNotMet'
  | 'resourceNotReady'
  | 'rateLimitExceeded'
  | 'backendError'
  | 'notImplemented';

const STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
};

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: Reason,
    message: string,
  ) {
    super(message);
  }

  body(): { error: { code: number; message: string; errors: { message: string; domain: string; reason: string }[]; status?: string } } {
    const status = STATUS[this.code];
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [{ message: this.message, domain: 'global', reason: this.reason }],
        ...(status ? { status } : {}),
      },
    };
  }
}

/** `path` is the resource path, e.g. `projects/p/global/networks/n`. */
export const notFound = (path: string): ApiError => new ApiError(404, 'notFound', `The resource '${path}' was not found`);
export const alreadyExists = (path: string): ApiError => new ApiError(409, 'alreadyExists', `The resource '${path}' already exists`);
export const invalid = (field: string, value: unknown, why: string): ApiError =>
  new ApiError(400, 'invalid', `Invalid value for field '${field}': '${typeof value === 'string' ? value : JSON.stringify(value)}'. ${why}`);
export const required = (field: string): ApiError => new ApiError(400, 'required', `Required field '${field}' not specified`);
export const inUse = (path: string, by: string): ApiError =>
  new ApiError(400, 'resourceInUseByAnotherResource', `The resource '${path}' is already being used by '${by}'`);
export const conditionNotMet = (message: string): ApiError => new ApiError(412, 'conditionNotMet', message);
