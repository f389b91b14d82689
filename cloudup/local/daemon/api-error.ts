import type { ApiErrorCode, ResourceType } from '../api-types.js';

/** An API failure with its HTTP status and the code clients branch on. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;

  constructor(status: number, code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** `networks` → `network`, for messages. */
export function singular(type: ResourceType): string {
  return type.endsWith('s') ? type.slice(0, -1) : type;
}

export const notFound = (type: ResourceType, id: string): ApiError =>
  new ApiError(404, 'NotFound', `${singular(type)} ${JSON.stringify(id)} does not exist`);

/** A bad request: the message starts with the field it is about. */
export const invalid = (field: string, message: string): ApiError => new ApiError(400, 'InvalidParameter', `${field}: ${message}`);

export const inUse = (what: string, by: string): ApiError => new ApiError(409, 'DependencyViolation', `${what} is still in use by ${by}`);

export const conflict = (message: string): ApiError => new ApiError(409, 'Conflict', message);
