/**
 * One error hierarchy for all of hoist.
 *
 * A HoistError carries a stable `code` (for scripts and JSON output), a message that is safe to
 * show a user as it is, the field path where it applies, a hint that says how to fix it, and the
 * underlying cause. The CLI prints user errors as one clean message and exits 1; internal errors
 * (anything that is not a HoistError with `user: true`) print their stack only behind `-v`.
 */

/**
 * The stable codes. `STORE`: the state store could not be read or written, or holds something
 * unusable. `CLOUD`: a call to a cloud's API failed (after the retries its kind allows), or a
 * delete left resources behind. An error is a user's (exit code 1, no stack) unless its code is
 * `INTERNAL` or it says otherwise.
 */
export const ERROR_CODES = [
  'INVALID_SPEC',
  'INVALID_YAML',
  'INVALID_FLAG',
  'INVALID_NAME',
  'IMMUTABLE_FIELD',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT',
  'LOCKED',
  'STORE',
  'CLOUD',
  'ABORTED',
  'UNSUPPORTED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface HoistErrorOptions {
  readonly hint?: string;
  readonly path?: string;
  readonly cause?: unknown;
  readonly user?: boolean;
}

export class HoistError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly path: string | undefined;
  /** True when the message alone tells the user what went wrong: no stack is needed. */
  readonly user: boolean;

  constructor(code: ErrorCode, message: string, options: HoistErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.path = options.path;
    this.user = options.user ?? code !== 'INTERNAL';
  }
}

/** One problem found in a spec, flag or file: where, what value, what is wrong and how to fix it. */
export interface FieldProblem {
  /** Dotted path with indexes, e.g. `spec.subnets[1].cidr`; for a file, the file name. */
  readonly path: string;
  readonly value?: unknown;
  readonly message: string;
  readonly fix?: string;
  /** 1-based position in the source text, where known. */
  readonly line?: number;
  readonly column?: number;
}

export function formatProblem(p: FieldProblem): string {
  const where = p.line === undefined ? p.path : `${p.path} (line ${p.line}, column ${p.column ?? 1})`;
  const value = p.value === undefined ? '' : ` ${formatValue(p.value)}`;
  const fix = p.fix ? ` (${p.fix})` : '';
  return `${where}:${value} ${p.message}${fix}`;
}

function formatValue(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v) : safeJson(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Every problem of a spec or of a set of flags at once. */
export class ValidationError extends HoistError {
  readonly problems: readonly FieldProblem[];

  constructor(subject: string, problems: readonly FieldProblem[], code: ErrorCode = 'INVALID_SPEC') {
    const lines = problems.map((p) => `  - ${formatProblem(p)}`);
    const noun = problems.length === 1 ? 'problem' : 'problems';
    super(code, `${subject} has ${problems.length} ${noun}:\n${lines.join('\n')}`, { path: problems[0]?.path });
    this.problems = problems;
  }
}

export class NotFoundError extends HoistError {
  constructor(message: string, hint?: string) {
    super('NOT_FOUND', message, { hint });
  }
}

export class AlreadyExistsError extends HoistError {
  constructor(message: string, hint?: string) {
    super('ALREADY_EXISTS', message, { hint });
  }
}

/** A conditional write found the object changed since it was read. */
export class ConflictError extends HoistError {
  constructor(message: string, hint?: string) {
    super('CONFLICT', message, { hint });
  }
}

export function invalidFlag(flag: string, value: unknown, message: string, fix?: string): ValidationError {
  return new ValidationError('the command line', [{ path: flag, value, message, fix }], 'INVALID_FLAG');
}

export function isHoistError(e: unknown): e is HoistError {
  return e instanceof HoistError;
}
