/**
 * Kubernetes `Status` errors: what every failed request answers, in the shape client-go and
 * kubectl decode (reason and code drive their retries and messages).
 */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'Gone'
  | 'Expired'
  | 'InternalError';

export interface StatusCause {
  readonly type?: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code,
    };
  }
}

/** What a resource is called in messages: `configmaps "x"` (core) or `deployments.apps "x"`. */
export interface Named {
  readonly group: string;
  readonly plural: string;
}

const qualified = (r: Named): string => (r.group === '' ? r.plural : `${r.plural}.${r.group}`);

export const notFound = (r: Named, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.plural });

export const alreadyExists = (r: Named, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.plural });

export const conflict = (r: Named, name: string): ApiError =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
    name,
    group: r.group,
    kind: r.plural,
  });

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

export const invalid = (r: Named & { readonly kind: string }, name: string, field: string, message: string): ApiError =>
  new ApiError(422, 'Invalid', `${r.kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    group: r.group,
    kind: r.kind,
    causes: [{ type: 'FieldValueInvalid', message, field }],
  });

export const forbidden = (user: string, verb: string, r: Named, namespace: string | undefined, name: string | undefined, why = ''): ApiError => {
  const what = `${r.plural}${name === undefined ? '' : ` "${name}"`}`;
  const scope = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
  const group = `in API group "${r.group}"`;
  return new ApiError(403, 'Forbidden', `${what} is forbidden: User "${user}" cannot ${verb} resource "${r.plural}" ${group} ${scope}${why === '' ? '' : `: ${why}`}`, {
    ...(name === undefined ? {} : { name }),
    group: r.group,
    kind: r.plural,
  });
};

export const unauthorized = (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized');
