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
import { registerApply } from './apply.js';
import { registerCreate } from './create.js';
import { registerDelete } from './delete.js';
import { registerDiff } from './diff-cluster.js';
import { registerEdit } from './edit.js';
import { registerEtcd } from './etcd.js';
import { registerGet } from './get.js';
import { registerGetAddons } from './get-addons.js';
import { registerGetKeypairs } from './get-keypairs.js';
import { registerKeypairs } from './keypair.js';
import { registerGetAssets } from './get-assets.js';
import { registerGetInstances } from './get-instances.js';
import { registerNodeup } from './nodeup.js';
import { registerExportKubeconfig } from './export-kubeconfig.js';
import { registerHistory } from './history.js';
import { registerLocalCloud } from './local-cloud.js';
import { registerLock } from './lock.js';
import { registerReconcile } from './reconcile-cluster.js';
import { registerReplace } from './replace.js';
import { registerRollback } from './rollback.js';
import { registerUpdate } from './update-cluster.js';
import { registerUpgrade } from './upgrade-cluster.js';
import { registerRollingUpdate } from './rolling-update.js';
import { registerValidate } from './validate-cluster.js';

export const VERSION: string = pkg.version;

/** What a command's action gets: a way to run its work with a Context and an exit code. */
export type Runner = (cmd: Command, work: (ctx: Context) => Promise<number | void>) => Promise<void>;

/** Runs the CLI in-process and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: IO): Promise<number> {
  let exitCode = 0;
  const run: Runner = async (cmd, work) => {
    const global = cmd.optsWithGlobals<GlobalOptions>();
    const ctx = createContext(io, global, ['hoist', ...argv].join(' '));
    exitCode = (await work(ctx)) ?? 0;
  };
  const program = buildProgram(io, run);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    return reportError(io, e, io.verbose || argv.includes('-v') || argv.includes('--verbose'));
  }
}

export function buildProgram(io: IO, run: Runner): Command {
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
  for (const register of [registerCreate, registerReplace, registerApply, registerGet, registerGetKeypairs, registerKeypairs, registerGetAddons, registerGetInstances, registerGetAssets, registerEdit, registerDelete, registerLock, registerHistory, registerDiff, registerRollback, registerUpdate, registerUpgrade, registerValidate, registerRollingUpdate, registerReconcile, registerLocalCloud, registerExportKubeconfig, registerNodeup, registerEtcd]) {
    register(program, run);
  }
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
