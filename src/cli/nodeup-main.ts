/**
 * `dist/nodeup.mjs`: the `hoist nodeup` command alone, as one file. It is what every machine
 * downloads at boot (published by `update cluster --yes` into the state store), so it carries
 * only nodeup and what nodeup reads the state store with, not the other commands and clouds.
 * It is run as `node nodeup.mjs nodeup --conf /etc/hoist/boot.yaml [--root DIR]`, the same
 * command line as `hoist nodeup`.
 */

import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { textEventSink } from '../output/io.js';
import type { IO } from '../output/io.js';
import { createContext } from './context.js';
import type { GlobalOptions } from './context.js';
import { registerNodeup } from './nodeup.js';
import { registerAddonsApplier } from './addons-applier.js';
import { registerEtcdBackupService } from './etcd-backup-service.js';
import { registerApiserverHealthcheck } from './apiserver-healthcheck.js';
import { registerApiserverEtcdServers } from './apiserver-etcd-servers.js';
import { registerAwsIpam } from './aws-ipam.js';
import type { Runner } from './program.js';
import { reportError } from './report-error.js';

// As in dist/hoist.js: the SDK's notice about Node.js support says nothing a machine can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const argv = process.argv.slice(2);
const verbose = argv.includes('-v') || argv.includes('--verbose');
const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);

const io: IO = {
  out: write(process.stdout),
  err: write(process.stderr),
  events: textEventSink(write(process.stderr), verbose),
  env: process.env,
  cwd: process.cwd(),
  verbose,
  // nodeup runs unattended: it never prompts and reads no standard input.
  interactive: false,
  ask: () => Promise.reject(new Error('nodeup does not prompt')),
  readStdin: () => Promise.resolve(''),
};

let exitCode = 0;
const run: Runner = async (cmd, work) => {
  const ctx = createContext(io, cmd.optsWithGlobals<GlobalOptions>(), ['hoist', ...argv].join(' '));
  exitCode = (await work(ctx)) ?? 0;
};

const program = new Command('hoist')
  .description('hoist nodeup: configures this machine from the state store')
  .version(pkg.version, '--version', 'print the version')
  .option('-v, --verbose', 'show debug messages, and the cause and stack of errors')
  .exitOverride()
  .configureOutput({ writeOut: io.out, writeErr: io.err });
registerNodeup(program, run);
registerEtcdBackupService(program, run);
registerAddonsApplier(program, run);
registerApiserverHealthcheck(program, run);
registerApiserverEtcdServers(program, run);
registerAwsIpam(program, run);
for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });

try {
  await program.parseAsync(argv, { from: 'user' });
} catch (e) {
  exitCode = e instanceof CommanderError ? e.exitCode : reportError(io, e, verbose);
}
process.exitCode = exitCode;
