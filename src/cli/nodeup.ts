/**
 * `hoist nodeup --conf BOOTFILE [--root DIR] [--dry-run] [--instance-id ID] [--address IP]`:
 * configures this machine from the state store (see docs/nodeup.md). It runs on every node, at
 * boot; by hand, `--dry-run` shows what it would change.
 */

import type { Command } from 'commander';
import { renderPlanText } from '../engine/render-text.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export interface NodeupCommandOptions {
  readonly conf: string;
  readonly root?: string;
  readonly dryRun?: boolean;
  readonly instanceId?: string;
  readonly address?: string;
}

export async function runNodeupCommand(opts: NodeupCommandOptions, ctx: Context): Promise<number> {
  const { runNodeup } = await import('../../nodeup/run.js');
  const result = await runNodeup({
    bootFile: opts.conf,
    root: opts.root,
    dryRun: opts.dryRun,
    instanceId: opts.instanceId,
    address: opts.address,
    env: ctx.io.env,
    cwd: ctx.io.cwd,
    events: ctx.io.events,
  });
  ctx.io.out(renderPlanText(result.plan));
  const who = `${result.node.instanceId} (${result.boot.instanceGroup})`;
  if (opts.dryRun) ctx.io.out(`\nDry run: nothing was changed on ${who}.\n`);
  else if (result.applied > 0) ctx.io.out(`\nApplied ${result.applied} changes: ${who} is configured with ${result.boot.configHash}.\n`);
  // It joins when Auto Scaling starts it into service, and nodeup runs again.
  if (result.warmed === true) ctx.io.out(`\n${who} is going into its group's warm pool: prepared, not joined; nodeup stops here.\n`);
  return 0;
}

export function registerNodeup(program: Command, run: Runner): void {
  program
    .command('nodeup')
    .description('configure this machine from its boot configuration and the state store (runs on every node)')
    .requiredOption('--conf <file>', 'the boot configuration (the machine\'s user data)')
    .option('--root <dir>', 'apply under this folder instead of / (nothing outside it is touched)')
    .option('--dry-run', 'show the node plan; change nothing')
    .option('--instance-id <id>', 'this machine\'s instance id (default: $HOIST_INSTANCE_ID, else the host name)')
    .option('--address <ip>', 'the address components bind to (default: $HOIST_INSTANCE_ADDRESS, else the first non-loopback IPv4 address)')
    .action(async (opts: NodeupCommandOptions, cmd: Command) => run(cmd, (ctx) => runNodeupCommand(opts, ctx)));
}
