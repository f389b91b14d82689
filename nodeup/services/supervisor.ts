/**
 * The local cloud instance's service manager: what systemd is on a real host. It runs each
 * unit's ExecStart (a path inside the instance's root) with the instance's address and root in
 * its environment, restarts it when it exits (Restart=always, with backoff), and stops
 * everything when the instance stops.
 *
 * A Node.js program (the stand-ins) runs in a worker thread of the instance's process: its own
 * V8 isolate, environment, argv and exit code, at half the CPU of a new process — which is what
 * a rolling update that boots several machines at once on a small host waits for. Anything else
 * runs as a child process with an IPC channel, which it can watch to exit with the instance.
 */

import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { hostPath } from '../context.js';
import type { ServiceManager, ServiceState } from './manager.js';
import { recordedServices } from './manager.js';

/** A running service, whatever runs it. */
interface Handle {
  /** For the log: `pid N` or `thread N`. */
  readonly label: string;
  /** Asks it to stop; `force` after the grace period. */
  stop(force: boolean): void;
  /** Calls back once, when it has ended. */
  onExit(exited: (why: string) => void): void;
}

interface Running {
  handle: Handle;
  stopping: boolean;
  exited: Promise<void>;
  restarts: number;
  timer?: NodeJS.Timeout;
}

export interface SupervisorOptions {
  readonly root: string;
  /** Added to each service's environment (the instance's address, and its root as HOIST_NODE_ROOT). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (message: string) => void;
}

/** `ExecStart=` of a unit, split on white space (hoist's units quote nothing). */
export function execStart(unit: string): string[] {
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='));
  return line === undefined ? [] : line.slice('ExecStart='.length).trim().split(/\s+/);
}

export class Supervisor implements ServiceManager {
  readonly kind = 'supervisor';
  private readonly services = new Map<string, Running>();
  private readonly units = new Map<string, string>();
  private readonly records: ServiceManager;
  private stopped = false;

  constructor(private readonly opts: SupervisorOptions) {
    this.records = recordedServices(opts.root);
  }

  async state(name: string): Promise<ServiceState> {
    const recorded = await this.records.state(name);
    return { enabled: recorded.enabled, running: this.services.has(name) };
  }

  async reload(): Promise<void> {}

  enable(name: string): Promise<void> {
    return this.records.enable(name);
  }

  async start(name: string, unit: string): Promise<void> {
    // Once stopped (the machine is going away), nothing more starts.
    if (this.stopped) return;
    this.units.set(name, unit);
    if (this.services.has(name)) return;
    this.launch(name, 0);
    await this.records.start(name, unit);
  }

  async restart(name: string, unit: string): Promise<void> {
    await this.stop(name);
    await this.start(name, unit);
  }

  /** Stops every service: asks, then forces after `graceMs`. */
  async stopAll(graceMs = 2_000): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.services.keys()].map((name) => this.stop(name, graceMs)));
  }

  private async stop(name: string, graceMs = 2_000): Promise<void> {
    const s = this.services.get(name);
    if (s === undefined) return;
    s.stopping = true;
    clearTimeout(s.timer);
    this.services.delete(name);
    s.handle.stop(false);
    const kill = setTimeout(() => s.handle.stop(true), graceMs);
    await s.exited;
    clearTimeout(kill);
  }

  private launch(name: string, restarts: number): void {
    const unit = this.units.get(name) ?? '';
    const [command, ...args] = execStart(unit);
    if (command === undefined) {
      this.opts.log(`${name}: the unit has no ExecStart`);
      return;
    }
    const program = hostPath(this.opts.root, command);
    const logFile = hostPath(this.opts.root, `/var/log/${name.replace(/\.service$/, '')}.log`);
    mkdirSync(dirname(logFile), { recursive: true });
    const env = { ...process.env, ...this.opts.env, HOIST_NODE_ROOT: this.opts.root };
    let handle: Handle;
    try {
      handle = isNodeProgram(program) ? inWorker(program, args, env, logFile) : inProcess(program, args, env, logFile, this.opts.root);
    } catch (e) {
      this.opts.log(`${name}: cannot start ${command}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    let exited!: () => void;
    const running: Running = { handle, stopping: false, restarts, exited: new Promise((r) => (exited = r)) };
    this.services.set(name, running);
    this.opts.log(`${name}: started (${handle.label})`);
    handle.onExit((why) => {
      exited();
      if (running.stopping || this.stopped) return;
      const delay = Math.min(10_000, 500 * 2 ** running.restarts);
      this.opts.log(`${name}: exited (${why}); restarting in ${delay} ms`);
      running.timer = setTimeout(() => {
        if (this.services.get(name) === running && !this.stopped) this.launch(name, running.restarts + 1);
      }, delay);
    });
  }
}

const NODE_SHEBANG = '#!/usr/bin/env node';

/**
 * Stand-ins are Node.js programs: `#!/usr/bin/env node`. Only the first bytes are read: a
 * control plane's etcd is a 21 MB binary, and reading it whole (as text) cost each boot seconds
 * of CPU under load.
 */
function isNodeProgram(program: string): boolean {
  const head = Buffer.alloc(NODE_SHEBANG.length);
  const fd = openSync(program, 'r');
  try {
    const read = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, read).toString('latin1') === NODE_SHEBANG;
  } finally {
    closeSync(fd);
  }
}

/** The program in a worker thread; its stdout and stderr go to `logFile`. */
function inWorker(program: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): Handle {
  const worker = new Worker(program, { argv: [...args], env, stdout: true, stderr: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  worker.stdout.pipe(log, { end: false });
  worker.stderr.pipe(log, { end: false });
  let error: string | undefined;
  worker.on('error', (e) => (error = e.message));
  return {
    label: `thread ${worker.threadId}`,
    stop: () => void worker.terminate(),
    onExit: (exited) =>
      worker.once('exit', (code) => {
        log.end();
        exited(error ?? `code ${code}`);
      }),
  };
}

/** The program as a child process; its stdout and stderr go to `logFile`. */
function inProcess(program: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string, cwd: string): Handle {
  const out = openSync(logFile, 'a');
  const child = spawn(program, [...args], { cwd, stdio: ['ignore', out, out, 'ipc'], env });
  closeSync(out);
  return {
    label: `pid ${child.pid ?? '?'}`,
    stop: (force) => void child.kill(force ? 'SIGKILL' : 'SIGTERM'),
    onExit: (exited) => {
      // A program that cannot start reports 'error' and may never report 'exit'.
      let done = false;
      const end = (why: string) => {
        if (!done) exited(why);
        done = true;
      };
      child.once('error', (e) => end(e.message));
      child.once('exit', (code, signal) => end(signal ?? `code ${code ?? '?'}`));
    },
  };
}
