/**
 * The instance agent (`hoist local-cloud agent`). User data that is a script (a cluster
 * machine's boot script) runs as cloud-init runs it, then nodeup takes over (script-agent.ts);
 * user data that is a bare hoist boot configuration goes to nodeup at once (nodeup/agent.ts);
 * otherwise the agent is minimal.
 *
 * It does what the daemon expects of any agent (see docs/local-cloud.md, "The agent
 * contract"): read the user data, report `{type: 'status', phase, ready}` over the IPC
 * channel, write `<root>/status.json`, and exit when the channel closes. For load balancer
 * and health tests it serves `GET /healthz` on its address at each port of the user data's
 * `healthPorts`.
 */

import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { INSTANCE_ID_HEADER } from './api-types.js';
import type { AgentStatusMessage } from './api-types.js';
import { isUserDataScript } from './boot-script.js';
import type { Env } from './files.js';

export interface AgentIo {
  readonly env: Env;
  /** The IPC channel to the daemon; undefined when the agent was not started by one. */
  readonly send: ((message: AgentStatusMessage) => void) | undefined;
  /** Writes a line to the agent's log (its stdout, which the daemon sends to agent.log). */
  readonly log: (text: string) => void;
  /** Registers what to do when the daemon goes away or asks the agent to stop. */
  readonly onStop: (stop: () => void) => void;
}

/** Runs until told to stop; resolves with the exit code. */
export async function runAgent(io: AgentIo): Promise<number> {
  const log = (level: string, message: string) => io.log(`${JSON.stringify({ time: new Date().toISOString(), level, message })}\n`);
  const id = io.env.HOIST_INSTANCE_ID;
  const address = io.env.HOIST_INSTANCE_ADDRESS;
  const root = io.env.HOIST_INSTANCE_ROOT;
  if (io.send === undefined || !id || !address || !root) {
    log('error', 'the agent runs inside a local cloud instance: it needs an IPC channel and HOIST_INSTANCE_ID, _ADDRESS and _ROOT');
    return 2;
  }
  const send = io.send;
  const userData = io.env.HOIST_INSTANCE_USER_DATA ? await readFile(io.env.HOIST_INSTANCE_USER_DATA, 'utf8').catch(() => '') : '';
  // A script is run as cloud-init runs one (a cluster machine's boot script hands over to nodeup).
  if (isUserDataScript(userData)) {
    const { runScriptAgent } = await import('./script-agent.js');
    return runScriptAgent({ ...io, send }, { script: io.env.HOIST_INSTANCE_USER_DATA ?? '', userData });
  }
  // A bare hoist boot configuration means a cluster machine too: nodeup configures it at once.
  const { isBootConfig } = await import('../../nodeup/config/boot.js');
  if (isBootConfig(userData)) return (await import('../../nodeup/agent.js')).runNodeAgent({ ...io, send });
  const ports = healthPorts(userData);
  const servers: Server[] = [];
  let stopped = false;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  const stop = () => {
    if (stopped) return;
    stopped = true;
    log('info', 'stopping');
    for (const s of servers) s.closeAllConnections();
    void Promise.all(servers.map((s) => new Promise((r) => s.close(r)))).then(() => finish(0));
  };
  io.onStop(stop);
  try {
    for (const port of ports) servers.push(await listenWithRetry(address, port, id));
  } catch (e) {
    const message = `cannot listen on ${address}: ${e instanceof Error ? e.message : String(e)}`;
    log('error', message);
    send({ type: 'status', phase: 'failed', ready: false, message });
    stop();
    await done;
    return 1;
  }
  const status: AgentStatusMessage = { type: 'status', phase: 'running', ready: true };
  await writeFile(join(root, 'status.json'), `${JSON.stringify({ ...status, instanceId: id, address, healthPorts: ports, pid: process.pid, at: new Date().toISOString() }, null, 2)}\n`);
  if (!stopped) send(status);
  log('info', `running at ${address}${ports.length > 0 ? `, /healthz on ports ${ports.join(', ')}` : ''}`);
  return done;
}

/** The user data's `healthPorts`, when it is a YAML mapping that has them; otherwise none. */
export function healthPorts(userData: string): number[] {
  let doc: unknown;
  try {
    doc = parse(userData);
  } catch {
    return [];
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return [];
  const ports = (doc as Record<string, unknown>).healthPorts;
  if (!Array.isArray(ports)) return [];
  return ports.filter((p): p is number => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535);
}

/** A replaced agent of the same instance may still hold the port for a moment: retry briefly. */
async function listenWithRetry(address: string, port: number, id: string): Promise<Server> {
  for (let attempt = 0; ; attempt++) {
    const server = createServer((req, res) => {
      res.setHeader(INSTANCE_ID_HEADER, id);
      if (req.method === 'GET' && req.url === '/healthz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else res.writeHead(404).end();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: address, port, exclusive: true }, () => resolve());
      });
      return server;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
