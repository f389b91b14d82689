import { HoistError } from '../errors.js';
import type { IO } from '../output/io.js';

/**
 * Prints an error for a person and returns the exit code. User errors are one clean message
 * and a hint, and so is a service hoist could not reach (a refused connection, a name that does
 * not resolve: nothing in hoist failed); anything else is an internal error whose stack shows
 * only with `-v`.
 */
export function reportError(io: IO, e: unknown, verbose: boolean): number {
  if (e instanceof HoistError && e.user) {
    io.err(`error: ${e.message}\n`);
    if (e.hint) io.err(`hint: ${e.hint}\n`);
    if (verbose) printCause(io, e);
    return 1;
  }
  const unreachable = networkFailure(e);
  if (unreachable !== undefined) {
    io.err(`error: cannot reach ${unreachable.target}: ${unreachable.reason}\n`);
    io.err('hint: check the endpoint (AWS_ENDPOINT_URL, HOIST_GCE_ENDPOINT, the state store URL), the network and its proxy, and that the service is up\n');
    if (verbose) printCause(io, e);
    return 1;
  }
  const message = e instanceof Error ? e.message : String(e);
  io.err(`internal error: ${message}\n`);
  if (verbose) printCause(io, e);
  else io.err('run again with -v to see where it happened\n');
  return 1;
}

function printCause(io: IO, e: unknown): void {
  let current: unknown = e;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      io.err(`${depth === 0 ? '' : 'caused by: '}${current.stack ?? current.message}\n`);
      current = current.cause;
    } else {
      io.err(`caused by: ${String(current)}\n`);
      break;
    }
  }
}

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name could not be resolved now',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/** The address and reason of a failed connection, found in the error or its causes. */
function networkFailure(e: unknown): { target: string; reason: string } | undefined {
  let current: unknown = e;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const { code, address, port, hostname } = current as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
    const reason = typeof code === 'string' ? NETWORK_REASONS[code] : undefined;
    if (reason !== undefined) {
      const host = hostname ?? address;
      return { target: host === undefined ? 'a service' : port === undefined ? host : `${host.includes(':') ? `[${host}]` : host}:${port}`, reason: `${reason} (${code})` };
    }
    current = current instanceof AggregateError && current.errors.length > 0 ? current.errors[0] : current.cause;
  }
  return undefined;
}
