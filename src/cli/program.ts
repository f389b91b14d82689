/**
 * Builds the `hoist` command line. Each command lives in its own file and registers itself
 * here; the work is done by a `runX(options, ctx)` function that tests call directly.
 */

import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import type { IO } from '../output/io.js';
import { createContext } from './context.js';
import type { Context, GlobalOptions } from './context.js';
import { reportError } from './report-error.js';
export const VERSION: string = pkg.version;

/** What a command's action gets: a way to run its work with a Context and an exit code. */
export type Runner = (cmd: Command, work: (ctx: Context) => Promise<number | void>) => Promise<void>;

type Register = (program: Command, run: Runner) => void;

/**
 * Each command's module with the top-level commands it adds, in registration order (a module
 * that adds a subcommand to `get` comes after get.ts). Only the modules of the command being run
 * are loaded: loading all of them cost every command, `--version` included, about 300 ms of
 * start-up for dependencies it never used (the Kubernetes client alone is 15 MB of source).
 */
const COMMANDS: readonly (readonly [readonly string[], () => Promise<Register>])[] = [
  [['create'], async () => (await import('./create.js')).registerCreate],
  [['replace'], async () => (await import('./replace.js')).registerReplace],
  [['apply'], async () => (await import('./apply.js')).registerApply],
  [['get'], async () => (await import('./get.js')).registerGet],
  [['get'], async () => (await import('./get-all.js')).registerGetAll],
  [['get'], async () => (await import('./get-keypairs.js')).registerGetKeypairs],
  [['create', 'promote', 'distrust'], async () => (await import('./keypair.js')).registerKeypairs],
  [['get'], async () => (await import('./get-addons.js')).registerGetAddons],
  [['get'], async () => (await import('./get-instances.js')).registerGetInstances],
  [['get'], async () => (await import('./get-assets.js')).registerGetAssets],
  [['edit'], async () => (await import('./edit.js')).registerEdit],
  [['delete'], async () => (await import('./delete.js')).registerDelete],
  [['delete'], async () => (await import('./delete-instance.js')).registerDeleteInstance],
  [['delete'], async () => (await import('./delete-file.js')).registerDeleteFile],
  [['create', 'get', 'delete'], async () => (await import('./sshpublickey.js')).registerSshPublicKey],
  [['create', 'get', 'delete'], async () => (await import('./secret.js')).registerSecrets],
  [['lock'], async () => (await import('./lock.js')).registerLock],
  [['history'], async () => (await import('./history.js')).registerHistory],
  [['diff'], async () => (await import('./diff-cluster.js')).registerDiff],
  [['rollback'], async () => (await import('./rollback.js')).registerRollback],
  [['update'], async () => (await import('./update-cluster.js')).registerUpdate],
  [['upgrade'], async () => (await import('./upgrade-cluster.js')).registerUpgrade],
  [['validate'], async () => (await import('./validate-cluster.js')).registerValidate],
  [['rolling-update'], async () => (await import('./rolling-update.js')).registerRollingUpdate],
  [['reconcile'], async () => (await import('./reconcile-cluster.js')).registerReconcile],
  [['local-cloud'], async () => (await import('./local-cloud.js')).registerLocalCloud],
  [['export'], async () => (await import('./export-kubeconfig.js')).registerExportKubeconfig],
  [['helpers'], async () => (await import('./helpers.js')).registerHelpers],
  [['nodeup'], async () => (await import('./nodeup.js')).registerNodeup],
  [['etcd'], async () => (await import('./etcd.js')).registerEtcd],
  [['toolbox'], async () => (await import('./toolbox-dump.js')).registerToolbox],
  [['version'], async () => (await import('./version.js')).registerVersion],
  [['completion'], async () => (await import('./completion.js')).registerCompletion],
];

/** The root's options that take a value: the word after one is not a command. */
const VALUE_OPTIONS = new Set(['--state', '--name']);

/** The command word of `argv`: its first argument that is neither an option nor an option's value. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The registrations `argv` needs: its command's modules; all of them for help, no command or an unknown one. */
export async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const word = commandWord(argv);
  const wanted = COMMANDS.filter(([words]) => word !== undefined && words.includes(word));
  return Promise.all((wanted.length > 0 ? wanted : COMMANDS).map(([, load]) => load()));
}

/** Runs the CLI in-process and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: IO): Promise<number> {
  let exitCode = 0;
  const run: Runner = async (cmd, work) => {
    const global = cmd.optsWithGlobals<GlobalOptions>();
    const ctx = createContext(io, global, ['hoist', ...argv].join(' '));
    exitCode = (await work(ctx)) ?? 0;
  };
  try {
    const program = buildProgram(io, run, await commandsFor(argv));
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    return reportError(io, e, io.verbose || argv.includes('-v') || argv.includes('--verbose'));
  }
}

export function buildProgram(io: IO, run: Runner, commands: readonly Register[]): Command {
  const program = new Command('hoist')
    .description('Create, upgrade and tear down Kubernetes clusters from YAML kept in a state store.')
    .version(VERSION, '--version', 'print the version')
    .option('--state <url>', 'state store: s3://bucket[/prefix], gs://bucket[/prefix], file:///path or a folder (env HOIST_STATE_STORE)')
    .option('--name <cluster>', 'cluster name (env HOIST_CLUSTER_NAME)')
    .option('-v, --verbose', 'show debug messages, and the cause and stack of errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  program.configureHelp({ sortSubcommands: true });
  for (const register of commands) register(program, run);
  // Subcommands inherit the error handling and output of the root.
  const inherit = (c: Command): void => {
    for (const sub of c.commands) {
      sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showSuggestionAfterError(true);
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}
