/**
 * Instances as real processes. Each instance is an agent process started with an IPC channel:
 * the agent reports its phase over it, and exits when it closes, so a daemon that dies by
 * SIGKILL leaves no instance behind. The daemon notices an instance's process exiting, marks it
 * terminated, and its group launches a replacement.
 */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventSink } from '../../../src/output/events.js';
import { agentCommand } from '../agent-command.js';
import type { AgentEnvironment } from '../agent-command.js';
import type { AgentStatusMessage, Instance, InstanceGroup, Subnet, TemplateVersion } from '../api-types.js';
import { AGENT_MARKER, processRunning, waitForExit } from '../files.js';
import type { CloudPaths, Env } from '../files.js';
import { newId } from './ids.js';
import type { CloudState } from './state.js';
import { attachVolumes, detachVolumes, volumesHeldElsewhere } from './volumes.js';

/** How long an instance has to stop after SIGTERM before it gets SIGKILL. */
export const STOP_GRACE_MS = 3_000;

export interface SupervisorContext {
  readonly state: CloudState;
  readonly paths: CloudPaths;
  readonly events: EventSink;
  /** The daemon's environment, passed on to agents. */
  readonly env: Env;
  readonly endpoint: () => string;
  /** Something about instances changed: groups and load balancers look again. */
  readonly changed: () => void;
  /** An instance's process exited without being asked to. */
  readonly died: (instance: Instance, ranForMs: number) => void;
  /** How long an instance stays `pending` (phase `booting`) before its process starts. */
  readonly bootTimeMs: number;
}

export interface LaunchInput {
  readonly group: InstanceGroup;
  readonly version: TemplateVersion;
  readonly subnet: Subnet;
  readonly address: string;
}

interface Agent {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly startedMs: number;
  stopping: boolean;
  killTimer?: NodeJS.Timeout;
}

export class InstanceSupervisor {
  private readonly agents = new Map<string, Agent>();
  /** Instances still booting: the timer that starts their process. */
  private readonly booting = new Map<string, NodeJS.Timeout>();
  private readonly ctx: SupervisorContext;
  private shuttingDown = false;

  constructor(ctx: SupervisorContext) {
    this.ctx = ctx;
  }

  /** Creates the instance (record, root folder, user data) and starts its agent. */
  launch(input: LaunchInput): Instance {
    const id = newId('instances');
    const now = new Date().toISOString();
    const rootDir = this.ctx.paths.instanceRoot(id);
    mkdirSync(rootDir, { recursive: true });
    writeFileSync(join(rootDir, 'user-data'), input.version.userData, { mode: 0o600 });
    const instance: Instance = {
      id,
      name: id,
      tags: input.version.instanceTags,
      createdAt: now,
      groupId: input.group.id,
      templateId: input.group.templateId,
      templateVersion: input.version.version,
      subnetId: input.subnet.id,
      zone: input.subnet.zone,
      machineType: input.version.machineType,
      address: input.address,
      rootDir,
      state: 'pending',
      healthy: false,
      launchedAt: now,
      ...(this.ctx.bootTimeMs > 0 ? { agentPhase: 'booting' } : {}),
    };
    this.ctx.state.put('instances', instance);
    this.ctx.events({ level: 'info', code: 'instance.launched', message: `launched ${id} at ${input.address} for group ${input.group.name}`, data: { id, group: input.group.id, address: input.address, templateVersion: input.version.version } });
    this.boot(instance);
    return instance;
  }

  /** Starts the instance's process, after the cloud's boot time. */
  private boot(instance: Instance): void {
    if (this.ctx.bootTimeMs <= 0) {
      this.spawnAgent(instance);
      return;
    }
    const timer = setTimeout(() => {
      this.booting.delete(instance.id);
      const current = this.ctx.state.get('instances', instance.id);
      if (current?.state === 'pending') this.spawnAgent(current);
    }, this.ctx.bootTimeMs);
    this.booting.set(instance.id, timer);
  }

  /**
   * Starts again, after a daemon restart, every instance that should be running: same id,
   * address and root. Leftover agents of the previous daemon are killed first so that the new
   * one can bind the instance's address.
   */
  async recover(): Promise<void> {
    const instances = this.ctx.state.list('instances');
    const leftovers = instances.filter((i) => i.pid !== undefined && processRunning(i.pid, `${AGENT_MARKER} --instance ${i.id}`));
    for (const i of leftovers) {
      try {
        process.kill(i.pid as number, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await Promise.all(leftovers.map((i) => waitForExit(i.pid as number, 2_000)));
    for (const i of instances) {
      const { pid: _pid, ...rest } = i;
      if (i.state === 'pending' || i.state === 'running') {
        const again: Instance = { ...rest, state: 'pending', healthy: false, agentPhase: this.ctx.bootTimeMs > 0 ? 'booting' : 'restarting' };
        this.ctx.state.put('instances', again);
        this.ctx.events({ level: 'info', code: 'instance.restarted', message: `starting ${i.id} again at ${i.address}`, data: { id: i.id } });
        try {
          this.boot(again);
        } catch (e) {
          // One machine that cannot start must not keep the daemon, and every other machine, down.
          this.ctx.events({ level: 'error', code: 'instance.spawn-failed', message: `could not start ${i.id} again: ${e instanceof Error ? e.message : String(e)}`, data: { id: i.id } });
          this.markTerminated(i.id);
        }
      } else if (i.state === 'stopping') {
        this.ctx.state.put('instances', { ...rest, state: 'terminated', healthy: false, terminatedAt: i.terminatedAt ?? new Date().toISOString() });
      }
    }
  }

  /** Stops the instance (SIGTERM, then SIGKILL) and resolves once it is terminated. */
  async terminate(id: string): Promise<void> {
    const current = this.ctx.state.get('instances', id);
    if (current === undefined || current.state === 'terminated') return;
    if (current.state !== 'stopping') {
      this.ctx.state.put('instances', { ...current, state: 'stopping', healthy: false });
      this.ctx.events({ level: 'info', code: 'instance.stopping', message: `terminating ${id}`, data: { id } });
      this.ctx.changed();
    }
    clearTimeout(this.booting.get(id));
    this.booting.delete(id);
    const agent = this.agents.get(id);
    if (agent === undefined) {
      this.markTerminated(id);
      return;
    }
    agent.stopping = true;
    this.kill(agent);
    await agent.exited;
  }

  /** Stops every agent for a daemon shutdown, leaving the instances recorded as they are. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    // Booting instances stay pending: the next daemon boots them again.
    for (const timer of this.booting.values()) clearTimeout(timer);
    this.booting.clear();
    const agents = [...this.agents.values()];
    for (const agent of agents) this.kill(agent);
    await Promise.all(agents.map((a) => a.exited));
    const stopped = this.ctx.state
      .list('instances')
      .filter((i) => i.pid !== undefined)
      .map(({ pid: _pid, ...rest }) => ({ ...rest, healthy: false }));
    this.ctx.state.putAll('instances', stopped);
  }

  /** Forgets terminated instances older than `retentionMs`, and removes their root folders. */
  purge(retentionMs: number): void {
    const cutoff = Date.now() - retentionMs;
    for (const i of this.ctx.state.list('instances')) {
      if (i.state !== 'terminated' || i.terminatedAt === undefined || Date.parse(i.terminatedAt) > cutoff) continue;
      this.ctx.state.remove('instances', i.id);
      void rm(i.rootDir, { recursive: true, force: true }).catch(() => undefined);
      this.ctx.events({ level: 'debug', code: 'instance.purged', message: `forgot terminated instance ${i.id}`, data: { id: i.id } });
    }
  }

  private spawnAgent(instance: Instance): void {
    // Its member's volumes are still with the machine it replaces: start once that one has stopped.
    if (volumesHeldElsewhere(this.ctx.state, instance) !== undefined) {
      const timer = setTimeout(() => {
        this.booting.delete(instance.id);
        const current = this.ctx.state.get('instances', instance.id);
        if (current?.state === 'pending' && !this.shuttingDown) this.spawnAgent(current);
      }, 200);
      this.booting.set(instance.id, timer);
      return;
    }
    const { command, args } = agentCommand(instance.id, this.ctx.env);
    const agentEnv: AgentEnvironment = {
      HOIST_INSTANCE_ID: instance.id,
      HOIST_INSTANCE_ADDRESS: instance.address,
      HOIST_INSTANCE_ROOT: instance.rootDir,
      HOIST_INSTANCE_USER_DATA: join(instance.rootDir, 'user-data'),
      HOIST_LOCAL_CLOUD_ENDPOINT: this.ctx.endpoint(),
    };
    mkdirSync(instance.rootDir, { recursive: true });
    attachVolumes(this.ctx.state, this.ctx.events, instance);
    const log = openSync(join(instance.rootDir, 'agent.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, [...args], { cwd: instance.rootDir, stdio: ['ignore', log, log, 'ipc'], env: { ...this.ctx.env, ...agentEnv } });
    } catch (e) {
      this.ctx.events({ level: 'error', code: 'instance.spawn-failed', message: `could not start the agent of ${instance.id}: ${String(e)}`, data: { id: instance.id } });
      this.markTerminated(instance.id);
      return;
    } finally {
      closeSync(log);
    }
    let gone!: () => void;
    const agent: Agent = { child, exited: new Promise<void>((resolve) => (gone = resolve)), startedMs: Date.now(), stopping: false };
    this.agents.set(instance.id, agent);
    if (child.pid !== undefined) this.ctx.state.put('instances', { ...instance, pid: child.pid });
    let ended = false;
    const onEnd = (how: string) => {
      if (ended) return;
      ended = true;
      clearTimeout(agent.killTimer);
      this.agents.delete(instance.id);
      this.exited(instance.id, agent, how);
      gone();
    };
    child.on('message', (m: unknown) => this.report(instance.id, m));
    child.once('exit', (code, signal) => onEnd(signal ?? `exit code ${code ?? '?'}`));
    child.once('error', (e) => {
      this.ctx.events({ level: 'error', code: 'instance.agent-error', message: `agent of ${instance.id}: ${e.message}`, data: { id: instance.id } });
      if (child.pid === undefined) onEnd('not started');
    });
  }

  private report(id: string, message: unknown): void {
    if (!isStatusMessage(message)) return;
    const current = this.ctx.state.get('instances', id);
    if (current === undefined || current.state === 'stopping' || current.state === 'terminated') return;
    const state = message.ready || current.state === 'running' ? 'running' : 'pending';
    const next: Instance = { ...current, state, healthy: message.ready, agentPhase: message.phase, agentMessage: message.message };
    if (next.state === current.state && next.healthy === current.healthy && next.agentPhase === current.agentPhase && next.agentMessage === current.agentMessage) return;
    this.ctx.state.put('instances', next);
    this.ctx.events({ level: 'info', code: 'instance.status', message: `${id} is ${state}${message.ready ? '' : ' (not ready)'}: ${message.phase}`, data: { id, ...message } });
    if (current.state === 'pending' && state === 'running') this.bootTimes(next);
    this.ctx.changed();
  }

  /** How long the instance took to become ready: the figure to watch when booting gets slower. */
  private bootTimes(instance: Instance): void {
    const agent = this.agents.get(instance.id);
    const sinceLaunchMs = Date.now() - Date.parse(instance.launchedAt);
    const sinceStartMs = agent === undefined ? undefined : Date.now() - agent.startedMs;
    this.ctx.events({
      level: 'info',
      code: 'instance.ready',
      message: `${instance.id} ready ${sinceStartMs === undefined ? '' : `${sinceStartMs} ms after its process started, `}${sinceLaunchMs} ms after its launch`,
      data: { id: instance.id, sinceLaunchMs, ...(sinceStartMs === undefined ? {} : { sinceStartMs }) },
    });
  }

  private exited(id: string, agent: Agent, how: string): void {
    if (this.shuttingDown) return;
    const current = this.ctx.state.get('instances', id);
    if (current === undefined || current.state === 'terminated') return;
    const unexpected = !agent.stopping && current.state !== 'stopping';
    this.markTerminated(id);
    if (unexpected) {
      const ranForMs = Date.now() - agent.startedMs;
      this.ctx.events({ level: 'warn', code: 'instance.died', message: `the process of ${id} exited (${how}) after ${ranForMs} ms`, data: { id, how, ranForMs } });
      this.ctx.died(current, ranForMs);
    } else {
      this.ctx.events({ level: 'info', code: 'instance.terminated', message: `${id} terminated`, data: { id } });
    }
  }

  private markTerminated(id: string): void {
    const current = this.ctx.state.get('instances', id);
    if (current === undefined || current.state === 'terminated') return;
    const { pid: _pid, ...rest } = current;
    this.ctx.state.put('instances', { ...rest, state: 'terminated', healthy: false, terminatedAt: new Date().toISOString() });
    detachVolumes(this.ctx.state, this.ctx.events, id);
    this.ctx.changed();
  }

  private kill(agent: Agent): void {
    if (agent.killTimer !== undefined) return;
    agent.child.kill('SIGTERM');
    agent.killTimer = setTimeout(() => agent.child.kill('SIGKILL'), STOP_GRACE_MS);
  }
}

function isStatusMessage(m: unknown): m is AgentStatusMessage {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  return r.type === 'status' && typeof r.phase === 'string' && typeof r.ready === 'boolean' && (r.message === undefined || typeof r.message === 'string');
}
