import { HoistError } from '../errors.js';
import type { IO } from '../output/io.js';

/**
 * Prints an error for a person and returns the exit code. User errors are one clean message
 * and a hint; anything else is an internal error whose stack shows only with `-v`.
 */
export function reportError(io: IO, e: unknown, verbose: boolean): number {
  if (e instanceof HoistError && e.user) {
    io.err(`error: ${e.message}\n`);
    if (e.hint) io.err(`hint: ${e.hint}\n`);
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
