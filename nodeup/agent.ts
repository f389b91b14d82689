/**
 * nodeup on a local cloud instance. The instance agent hands over to this once the boot script
 * of its user data has installed the machine and written its boot configuration (or at once
 * when the user data is a bare boot configuration): nodeup runs for real under the instance's
 * root folder, the supervisor runs the services it installed, and the instance reports ready
 * only once nodeup is Ready and every component's health endpoint answers. A failed nodeup is reported (phase
 * `failed`, with the failing task) and retried, as nodeup retries on a real machine.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import type { HoistEvent } from '../src/output/events.js';
import type { ObjectStore } from '../state-store/object-store.js';
import { openStore } from '../state-store/open.js';
import { storeProxyOption } from './http-proxy.js';
import { parseBootConfig } from './config/boot.js';
import { launchConfigStore } from './launch-config.js';
import type { HealthCheck } from './model/index.js';
import { runNodeup } from './run.js';
import { Supervisor } from './services/supervisor.js';

export interface NodeAgentIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly send: (message: { type: 'status'; phase: string; ready: boolean; message?: string }) => void;
  readonly log: (text: string) => void;
  readonly onStop: (stop: () => void) => void;
  /** The boot configuration: the one the boot script wrote; by default the user data itself. */
  readonly bootFile?: string;
}

export const RETRY_MS = 10_000;
// Probing loopback health endpoints is cheap: look often while coming up, rarely once ready.
const PROBE_MS = 100;
const READY_PROBE_MS = 2_000;

/**
 * The header with which every local cloud machine's health endpoint names its instance (the
 * stand-ins send it): another local cloud's machine at the same address must not pass for this one.
 */
export const INSTANCE_ID_HEADER = 'x-hoist-instance-id';

/**
 * GET of a plain-HTTP health endpoint, answered 2xx by this instance itself: node:http, which
 * costs a fraction of fetch's CPU per probe.
 */
export function healthy(check: HealthCheck, instanceId: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(check.url, { timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300 && res.headers[INSTANCE_ID_HEADER] === instanceId);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The state store as this machine sees it: its nodeup.yaml is the one it was launched for. */
async function machineStore(env: NodeAgentIo['env'], bootFile: string, root: string, events: (e: HoistEvent) => void): Promise<ObjectStore> {
  const boot = parseBootConfig(await readFile(bootFile, 'utf8'), bootFile);
  const store = await openStore(boot.stateStore, { env, events, source: 'the boot configuration stateStore', ...storeProxyOption() });
  return launchConfigStore(store, boot, root);
}

/** Runs until stopped; resolves with the exit code. */
export async function runNodeAgent(io: NodeAgentIo): Promise<number> {
  const line = (level: string, message: string) => io.log(`${JSON.stringify({ time: new Date().toISOString(), level, message })}\n`);
  const root = io.env.HOIST_INSTANCE_ROOT ?? '';
  const address = io.env.HOIST_INSTANCE_ADDRESS ?? '';
  const instanceId = io.env.HOIST_INSTANCE_ID ?? '';
  const bootFile = io.bootFile ?? io.env.HOIST_INSTANCE_USER_DATA ?? '';
  const supervisor = new Supervisor({ root, env: { HOIST_INSTANCE_ADDRESS: address, HOIST_INSTANCE_ID: instanceId }, log: (m) => line('info', m) });
  let stopped = false;
  let wake: () => void = () => undefined;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => (clearTimeout(timer), resolve());
  });
  let stopRequested: () => void = () => undefined;
  const stopping = new Promise<undefined>((resolve) => (stopRequested = () => resolve(undefined)));
  io.onStop(() => {
    stopped = true;
    wake();
    stopRequested();
  });
  const phase = 'running';
  const events = (e: HoistEvent) => {
    if (e.level !== 'debug') line(e.level, e.message);
  };

  let checks: readonly HealthCheck[] | undefined;
  let store: ObjectStore | undefined;
  while (!stopped && checks === undefined) {
    io.send({ type: 'status', phase: 'configuring', ready: false, message: 'nodeup is configuring the machine' });
    try {
      store ??= await machineStore(io.env, bootFile, root, events);
      const run = runNodeup({ bootFile, root, env: io.env, events, services: supervisor, store });
      // A machine stopped while nodeup configures it stops now, as a VM's shutdown ends nodeup,
      // rather than when the daemon's grace runs out: what nodeup started is stopped below, and
      // the process ends with this function (agent-main.ts); what nodeup still does is dropped.
      run.catch(() => undefined);
      const result = await Promise.race([run, stopping]);
      if (result === undefined) break;
      checks = result.healthChecks;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      line('error', `nodeup failed (retrying in ${RETRY_MS / 1000} s): ${message}`);
      io.send({ type: 'status', phase: 'failed', ready: false, message });
      await sleep(RETRY_MS);
    }
  }

  let ready: boolean | undefined;
  while (!stopped && checks !== undefined) {
    const results = await Promise.all(checks.map((c) => healthy(c, instanceId)));
    const down = checks.filter((_, i) => !results[i]).map((c) => c.name);
    if (down.length === 0 && ready !== true) {
      io.send({ type: 'status', phase, ready: true });
      await writeFile(join(root, 'status.json'), `${JSON.stringify({ phase, ready: true, address, healthChecks: checks, pid: process.pid, at: new Date().toISOString() }, null, 2)}\n`);
      line('info', `ready: ${checks.map((c) => c.name).join(', ')} answer`);
    } else if (down.length > 0 && ready !== false) {
      io.send({ type: 'status', phase: ready === undefined ? 'starting' : 'degraded', ready: false, message: `waiting for ${down.join(', ')}` });
    }
    ready = down.length === 0;
    await sleep(ready ? READY_PROBE_MS : PROBE_MS);
  }
  await supervisor.stopAll();
  line('info', 'stopped');
  return 0;
}
