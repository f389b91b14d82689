/**
 * The local cloud instance's service manager: what systemd is on a real host. It runs each
 * unit's ExecStart (a path inside the instance's root) as a child process with the instance's
 * address and root in its environment, restarts it when it exits (Restart=always, with
 * backoff), and stops everything when the instance stops. Children get an IPC channel, which
 * the stand-ins watch: if this process dies, they exit too.
 */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostPath } from '../context.js';
import type { ServiceManager, ServiceState } from './manager.js';
import { recordedServices } from './manager.js';

interface Running {
  child: ChildProcess;
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
    this.units.set(name, unit);
    if (this.services.has(name)) return;
    this.launch(name, 0);
    await this.records.start(name, unit);
  }

  async restart(name: string, unit: string): Promise<void> {
    await this.stop(name);
    await this.start(name, unit);
  }

  /** Stops every service: SIGTERM, then SIGKILL after `graceMs`. */
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
    s.child.kill('SIGTERM');
    const kill = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
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
    // Stand-ins are Node.js programs: run them with this Node.js, whatever PATH says.
    const isNode = readFileSync(program, 'utf8').slice(0, 64).startsWith('#!/usr/bin/env node');
    const logFile = hostPath(this.opts.root, `/var/log/${name.replace(/\.service$/, '')}.log`);
    mkdirSync(dirname(logFile), { recursive: true });
    const out = openSync(logFile, 'a');
    const child = spawn(isNode ? process.execPath : program, isNode ? [program, ...args] : args, {
      cwd: this.opts.root,
      stdio: ['ignore', out, out, 'ipc'],
      env: { ...process.env, ...this.opts.env, HOIST_NODE_ROOT: this.opts.root },
    });
    closeSync(out);
    let exited!: () => void;
    const running: Running = { child, stopping: false, restarts, exited: new Promise((r) => (exited = r)) };
    this.services.set(name, running);
    this.opts.log(`${name}: started (pid ${child.pid ?? '?'})`);
    child.once('exit', (code, signal) => {
      exited();
      if (running.stopping || this.stopped) return;
      const delay = Math.min(10_000, 500 * 2 ** running.restarts);
      this.opts.log(`${name}: exited (${signal ?? `code ${code ?? '?'}`}); restarting in ${delay} ms`);
      running.timer = setTimeout(() => {
        if (this.services.get(name) === running && !this.stopped) this.launch(name, running.restarts + 1);
      }, delay);
    });
    child.once('error', (e) => this.opts.log(`${name}: ${e.message}`));
  }
}
