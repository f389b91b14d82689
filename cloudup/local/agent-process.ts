/**
 * An instance's agent as a process: wires the agent (agent.ts) to the IPC channel the daemon
 * opened, its signals and its stdout (the instance's agent.log). Both `dist/agent.js`, which
 * the daemon starts, and the hidden `hoist local-cloud agent` command run it.
 */

import type { Env } from './files.js';

export async function runAgentProcess(env: Env, log: (text: string) => void): Promise<number> {
  const { runAgent } = await import('./agent.js');
  // The daemon decides when an instance stops: a Ctrl-C meant for a daemon in the foreground
  // reaches its agents too (same process group) and must not kill them behind its back.
  process.on('SIGINT', () => undefined);
  const send = process.send?.bind(process);
  return runAgent({
    env,
    send: send === undefined ? undefined : (m) => void send(m),
    log,
    onStop: (stop) => {
      process.once('SIGTERM', stop);
      process.once('disconnect', () => {
        stop();
      });
      if (process.connected === false) stop();
    },
  }).finally(() => {
    if (process.connected) process.disconnect();
  });
}
