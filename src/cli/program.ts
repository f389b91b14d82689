/**
 * Builds the `hoist` command line. Each command lives in its own file and registers itself
 * here; the work is done by a `runX(options, ctx)` function that tests call directly.
 */

import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import type { IO } from '../output/io.js';
import { createContext } from './context.js';
import type { Context, GlobalOptions } from './context.js';
import { FullCliNeeded } from './full-cli.js';
import { reportError } from './report-error.js';
export const VERSION: string = pkg.version;

/** What a command's action gets: a way to run its work with a Context and an exit code. */
export type Runner = (cmd: Command, work: (ctx: Context) => Promise<number | void>) => Promise<void>;

type Register = (program: Command, run: Runner) => void;

/**
 * A command's module and what it adds to the command line. Only the modules of the command being
 * run are loaded: loading all of them cost every command, `--version` included, about 300 ms of
 * start-up for dependencies it never used (the Kubernetes client alone is 15 MB of source).
 */
export interface CommandModule {
  /** The top-level commands it makes or adds to. */
  readonly words: readonly string[];
  /**
   * The subcommands it adds, names and aliases. A module that lists them is left out when the
   * command line names another module's subcommand right after the command word, unless it makes
   * the command (`parent`): `hoist get clusters` loads get.ts alone.
   */
  readonly subcommands?: readonly string[];
  readonly parent?: true;
  readonly load: () => Promise<Register>;
}

/** In registration order: a module that adds a subcommand to `get` comes after get.ts. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  { words: ['create'], parent: true, subcommands: ['cluster', 'instancegroup'], load: async () => (await import('./create.js')).registerCreate },
  { words: ['replace'], load: async () => (await import('./replace.js')).registerReplace },
  { words: ['apply'], load: async () => (await import('./apply.js')).registerApply },
  { words: ['get'], parent: true, subcommands: ['clusters', 'cluster', 'instancegroups', 'instancegroup', 'ig'], load: async () => (await import('./get.js')).registerGet },
  { words: ['get'], subcommands: ['all'], load: async () => (await import('./get-all.js')).registerGetAll },
  { words: ['get'], subcommands: ['keypairs', 'keypair', 'keysets', 'keyset'], load: async () => (await import('./get-keypairs.js')).registerGetKeypairs },
  // promote and distrust are made by this module: it is all of them, whatever the subcommand.
  { words: ['create', 'promote', 'distrust'], subcommands: ['keypair'], load: async () => (await import('./keypair.js')).registerKeypairs },
  { words: ['get'], subcommands: ['addons', 'addon'], load: async () => (await import('./get-addons.js')).registerGetAddons },
  { words: ['get'], subcommands: ['instances', 'instance'], load: async () => (await import('./get-instances.js')).registerGetInstances },
  { words: ['get'], subcommands: ['assets', 'asset'], load: async () => (await import('./get-assets.js')).registerGetAssets },
  { words: ['edit'], load: async () => (await import('./edit.js')).registerEdit },
  { words: ['set', 'unset'], load: async () => (await import('./set.js')).registerSet },
  { words: ['delete'], parent: true, subcommands: ['instancegroup', 'ig', 'cluster'], load: async () => (await import('./delete.js')).registerDelete },
  { words: ['delete'], subcommands: ['instance'], load: async () => (await import('./delete-instance.js')).registerDeleteInstance },
  { words: ['delete'], load: async () => (await import('./delete-file.js')).registerDeleteFile },
  { words: ['create', 'get', 'delete'], subcommands: ['sshpublickey', 'sshpublickeys'], load: async () => (await import('./sshpublickey.js')).registerSshPublicKey },
  { words: ['create', 'get', 'delete'], subcommands: ['secret', 'secrets'], load: async () => (await import('./secret.js')).registerSecrets },
  { words: ['lock'], load: async () => (await import('./lock.js')).registerLock },
  { words: ['history'], load: async () => (await import('./history.js')).registerHistory },
  { words: ['diff'], load: async () => (await import('./diff-cluster.js')).registerDiff },
  { words: ['rollback'], load: async () => (await import('./rollback.js')).registerRollback },
  { words: ['update'], load: async () => (await import('./update-cluster.js')).registerUpdate },
  { words: ['upgrade'], load: async () => (await import('./upgrade-cluster.js')).registerUpgrade },
  { words: ['validate'], load: async () => (await import('./validate-cluster.js')).registerValidate },
  { words: ['rolling-update'], load: async () => (await import('./rolling-update.js')).registerRollingUpdate },
  { words: ['reconcile'], load: async () => (await import('./reconcile-cluster.js')).registerReconcile },
  { words: ['local-cloud'], load: async () => (await import('./local-cloud.js')).registerLocalCloud },
  { words: ['export'], load: async () => (await import('./export-kubeconfig.js')).registerExportKubeconfig },
  { words: ['helpers'], load: async () => (await import('./helpers.js')).registerHelpers },
  { words: ['nodeup'], load: async () => (await import('./nodeup.js')).registerNodeup },
  { words: ['etcd'], load: async () => (await import('./etcd.js')).registerEtcd },
  { words: ['toolbox'], load: async () => (await import('./toolbox-dump.js')).registerToolbox },
  { words: ['version'], load: async () => (await import('./version.js')).registerVersion },
  { words: ['completion'], load: async () => (await import('./completion.js')).registerCompletion },
];

/** The root's options that take a value: the word after one is not a command. */
const VALUE_OPTIONS = new Set(['--state', '--name']);

/**
 * The command word of `argv` (its first argument that is neither an option nor an option's value)
 * and the argument right after it, which names a subcommand unless it is an option.
 */
function commandWords(argv: readonly string[]): { readonly word?: string; readonly next?: string } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) {
      const next = argv[i + 1];
      return next === undefined || next.startsWith('-') ? { word: arg } : { word: arg, next };
    }
  }
  return {};
}

/**
 * The registrations `argv` needs: its command's modules, but those adding other subcommands than
 * the one named; all of the command's modules when the subcommand is none of theirs (help, a
 * typo: commander then lists and suggests them all); every module for help, no command or an
 * unknown one.
 */
export async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const { word, next } = commandWords(argv);
  const ofWord = COMMAND_MODULES.filter((m) => word !== undefined && m.words.includes(word));
  const named = next !== undefined && ofWord.some((m) => m.subcommands?.includes(next));
  const wanted = named ? ofWord.filter((m) => m.parent || m.subcommands === undefined || m.subcommands.includes(next)) : ofWord;
  return Promise.all((wanted.length > 0 ? wanted : COMMAND_MODULES).map((m) => m.load()));
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
    // Only in the listing bundle: its entry runs the command again in the whole CLI.
    if (e instanceof FullCliNeeded) throw e;
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
