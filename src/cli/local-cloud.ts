/**
 * `hoist local-cloud start|stop|status`: the embedded local cloud's daemon. `daemon` and
 * `agent` are hidden: they are what the client's auto-start and the daemon run.
 */

import type { Command } from 'commander';
import { stringify } from 'yaml';
import { RESOURCE_TYPES } from '../../cloudup/local/api-types.js';
import { BOOT_TIME_ENV, MAX_BOOT_TIME_MS, bootTimeMs } from '../../cloudup/local/boot-time.js';
import type { DaemonStatus } from '../../cloudup/local/api-types.js';
import { connectLocalCloud, lockHolder, notRunning } from '../../cloudup/local/connect.js';
import { DAEMON_MARKER, localCloudDir, processRunning, readDaemonInfo, waitForExit } from '../../cloudup/local/files.js';
import { HoistError, invalidFlag } from '../errors.js';
import { parseOutputFormat, renderJson, renderTable } from '../output/format.js';
import type { Context } from './context.js';
import { duration } from './shared/duration.js';
import type { Runner } from './program.js';

export interface DirOptions {
  readonly dir?: string;
}

/** How long `stop` waits for the daemon (which gives instances 3 s each, in parallel). */
const STOP_TIMEOUT_MS = 15_000;

export async function runLocalCloudStart(opts: DirOptions & { bootTime?: number }, ctx: Context): Promise<number> {
  const dir = localCloudDir(ctx.io.env, opts.dir, ctx.io.cwd);
  if (opts.bootTime !== undefined && opts.bootTime > MAX_BOOT_TIME_MS) throw invalidFlag('--boot-time', opts.bootTime, 'is longer than 10 minutes', 'e.g. --boot-time 2s');
  const env = opts.bootTime === undefined ? ctx.io.env : { ...ctx.io.env, [BOOT_TIME_ENV]: `${opts.bootTime}ms` };
  const client = await connectLocalCloud({ dir, env, events: ctx.io.events });
  const status = await client.status();
  const wanted = bootTimeMs(env);
  if (status.bootTimeMs !== wanted) {
    ctx.io.events({ level: 'warn', code: 'localcloud.boot-time', message: `the daemon already runs with instances booting in ${formatMs(status.bootTimeMs)}, not ${formatMs(wanted)}: stop it (hoist local-cloud stop) and start it again to change that` });
  }
  const boot = status.bootTimeMs > 0 ? `, instances boot in ${formatMs(status.bootTimeMs)}` : '';
  ctx.io.out(`local cloud running at ${status.endpoint} (pid ${status.pid}, state in ${status.dir}${boot})\n`);
  return 0;
}

const formatMs = (ms: number) => (ms === 0 ? 'no time' : ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

export async function runLocalCloudStop(opts: DirOptions, ctx: Context): Promise<number> {
  const dir = localCloudDir(ctx.io.env, opts.dir, ctx.io.cwd);
  const pid = (await readDaemonInfo(dir))?.pid ?? (await lockHolder(dir));
  if (pid === undefined || !processRunning(pid, DAEMON_MARKER)) {
    ctx.io.out(`the local cloud is not running (state folder ${dir})\n`);
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS, DAEMON_MARKER))) {
    // Its instances exit on their own once the daemon's IPC channels close.
    process.kill(pid, 'SIGKILL');
    ctx.io.events({ level: 'warn', code: 'localcloud.killed', message: `the daemon (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s; killed it` });
    await waitForExit(pid, 5_000, DAEMON_MARKER);
  }
  ctx.io.out(`stopped the local cloud daemon (pid ${pid})\n`);
  return 0;
}

export async function runLocalCloudStatus(opts: DirOptions & { output?: string }, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const dir = localCloudDir(ctx.io.env, opts.dir, ctx.io.cwd);
  let status: DaemonStatus;
  try {
    status = await (await connectLocalCloud({ dir, env: ctx.io.env, autoStart: false })).status();
  } catch (e) {
    if (e instanceof HoistError && (e.code === 'NOT_FOUND' || e.user)) throw notRunning(dir);
    throw e;
  }
  const uptimeSeconds = Math.max(0, Math.round((Date.now() - Date.parse(status.startedAt)) / 1000));
  // Which etcd the control-plane machines run: the host's (packed into the mirror) or the stand-in.
  const { describeLocalEtcd } = await import('../../cloudup/local/stand-ins/etcd-host.js');
  const report = { ...status, uptimeSeconds, etcd: await describeLocalEtcd(ctx.io.env) };
  if (format === 'json') ctx.io.out(renderJson(report));
  else if (format === 'yaml') ctx.io.out(stringify(report));
  else {
    ctx.io.out(
      renderTable([report], [
        { header: 'ENDPOINT', value: (r) => r.endpoint },
        { header: 'PID', value: (r) => r.pid },
        { header: 'UPTIME', value: (r) => formatDuration(r.uptimeSeconds) },
        { header: 'VERSION', value: (r) => r.version },
        { header: 'BOOT-TIME', value: (r) => (r.bootTimeMs === 0 ? '-' : formatMs(r.bootTimeMs)) },
        { header: 'DIR', value: (r) => r.dir },
      ]),
    );
    ctx.io.out('\n');
    ctx.io.out(
      renderTable(
        RESOURCE_TYPES.map((type) => ({ type, count: status.counts[type] })),
        [
          { header: 'RESOURCE', value: (r) => r.type },
          { header: 'COUNT', value: (r) => r.count },
        ],
      ),
    );
    ctx.io.out(`\netcd: ${report.etcd}\n`);
  }
  return 0;
}

export async function runLocalCloudDaemon(opts: DirOptions, ctx: Context): Promise<number> {
  const dir = localCloudDir(ctx.io.env, opts.dir, ctx.io.cwd);
  // Loaded here so that no other command pays for the daemon's modules.
  const { runDaemon } = await import('../../cloudup/local/daemon/daemon.js');
  const outcome = await runDaemon({ dir, env: ctx.io.env, bootTimeMs: bootTimeMs(ctx.io.env) });
  if (outcome.kind === 'already-running') {
    ctx.io.err(`error: a local cloud daemon (pid ${outcome.pid}) already runs on ${dir}\n`);
    return 1;
  }
  return outcome.code;
}

export async function runLocalCloudAgent(ctx: Context): Promise<number> {
  const { runAgentProcess } = await import('../../cloudup/local/agent-process.js');
  return runAgentProcess(ctx.io.env, ctx.io.out);
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

export function registerLocalCloud(program: Command, run: Runner): void {
  const lc = program.command('local-cloud').description('run the embedded local cloud, the default for --cloud local');
  const dirFlag = '--dir <dir>';
  const dirHelp = 'state folder (env HOIST_LOCAL_CLOUD_DIR, default ~/.hoist/local-cloud)';
  lc.command('start')
    .description('start the local cloud daemon unless it runs')
    .option(dirFlag, dirHelp)
    .option('--boot-time <duration>', `how long each instance boots before its machine runs (default $${BOOT_TIME_ENV}, else at once)`, duration('--boot-time'))
    .action(async (opts: DirOptions & { bootTime?: number }, cmd: Command) => run(cmd, (ctx) => runLocalCloudStart(opts, ctx)));
  lc.command('stop')
    .description('stop the daemon and its instances (they start again with the daemon)')
    .option(dirFlag, dirHelp)
    .action(async (opts: DirOptions, cmd: Command) => run(cmd, (ctx) => runLocalCloudStop(opts, ctx)));
  lc.command('status')
    .description('show the daemon and how many resources it holds')
    .option(dirFlag, dirHelp)
    .option('-o, --output <format>', 'table, yaml or json')
    .action(async (opts: DirOptions & { output?: string }, cmd: Command) => run(cmd, (ctx) => runLocalCloudStatus(opts, ctx)));
  lc.command('daemon', { hidden: true })
    .description('run the daemon in the foreground')
    .option(dirFlag, dirHelp)
    .action(async (opts: DirOptions, cmd: Command) => run(cmd, (ctx) => runLocalCloudDaemon(opts, ctx)));
  lc.command('agent', { hidden: true })
    .description("run an instance's agent (started by the daemon)")
    .option('--instance <id>', 'the instance, for the process list')
    .action(async (_opts: unknown, cmd: Command) => run(cmd, (ctx) => runLocalCloudAgent(ctx)));
}
