/**
 * The entry of the listing bundle (`dist/hoist-list.js`): the CLI as `runCli` runs it, bundled in
 * one file without the modules that `hoist get clusters` does not load to print a table. Its
 * start-up resolves two files instead of about twenty chunks (docs/benchmarks.md).
 */

import type { IO } from '../output/io.js';
import { FullCliNeeded } from './full-cli.js';
import { runCli } from './program.js';
import { reportError } from './report-error.js';

/**
 * The command's exit code, or undefined when it needs a module the bundle leaves out (another
 * command, `-o yaml`, an s3:// store, a Cluster to validate, ...): then nothing was printed, and
 * the caller runs it in the whole CLI.
 */
export async function runListing(argv: readonly string[], io: IO): Promise<number | undefined> {
  // With -v the debug events are printed as they come: a run again would print them twice.
  if (io.verbose) return undefined;
  let printed = false;
  const track = (write: (text: string) => void) => (text: string) => {
    printed = true;
    write(text);
  };
  const events: IO['events'] = (e) => {
    if (e.level !== 'debug') printed = true;
    io.events(e);
  };
  try {
    return await runCli(argv, { ...io, out: track(io.out), err: track(io.err), events });
  } catch (e) {
    if (!(e instanceof FullCliNeeded)) throw e;
    // Run again, it would print twice: no command of the bundle gets there, but say so if one did.
    return printed ? reportError(io, e, io.verbose) : undefined;
  }
}
