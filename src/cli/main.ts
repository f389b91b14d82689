/** The `hoist` executable: runs the CLI against the real process and terminal. */

import module from 'node:module';
import { createInterface } from 'node:readline/promises';
import pkg from '../../package.json' with { type: 'json' };
import { textEventSink } from '../output/io.js';
import type { IO } from '../output/io.js';

// Node.js 22.1+ keeps the V8 code of the bundle's modules on disk between runs; Node 20 has no
// such cache (the function is absent there). The cache is a folder in the OS's temporary folder.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// hoist pins its AWS SDK version, so the SDK's notice about its future Node.js support says
// nothing a hoist user can act on; it would only clutter every command that touches AWS.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const argv = process.argv.slice(2);
const verbose = argv.includes('-v') || argv.includes('--verbose');
// Libraries' deprecation notices (the etcd client's gRPC names an IP address as the TLS server
// name, DEP0123) are for hoist's developers, not its users: shown with -v only.
if (!verbose) process.noDeprecation = true;
const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);

const io: IO = {
  out: write(process.stdout),
  err: write(process.stderr),
  events: textEventSink(write(process.stderr), verbose),
  env: process.env,
  cwd: process.cwd(),
  verbose,
  interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  async ask(question) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/**
 * Whether `argv` may be `hoist get clusters` printing a table on a folder store: the listing
 * bundle runs it (dist/hoist-list.js, in two files rather than about twenty chunks). This only
 * spares other commands its load: the bundle itself hands back whatever it cannot run alone.
 */
function mayList(): boolean {
  const store = io.env.HOIST_STATE_STORE ?? '';
  return (
    !verbose &&
    argv.includes('get') &&
    (argv.includes('clusters') || argv.includes('cluster')) &&
    !argv.some((a) => /yaml|json|--full|^(s3|gs|memfs):/i.test(a)) &&
    !/^(s3|gs|memfs):/i.test(store)
  );
}

// The version needs none of the CLI: answered before the commands' modules are even loaded.
if (argv.length === 1 && argv[0] === '--version') io.out(`${pkg.version}\n`);
else {
  // In the bundle, ./listing-main.js is dist/hoist-list.js, built on its own (src/build/bundle.mjs).
  const listed = mayList() ? await (await import('./listing-main.js')).runListing(argv, io) : undefined;
  process.exitCode = listed ?? (await (await import('./program.js')).runCli(argv, io));
}
