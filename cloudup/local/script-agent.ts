/**
 * The agent of an instance whose user data is a boot script (what `update cluster` gives every
 * local machine): it runs the script as cloud-init would (boot-script.ts), its output in the
 * instance's log, and then hands over to nodeup (nodeup/agent.ts) with the boot configuration
 * the script wrote.
 *
 * nodeup then runs inside the agent's own process rather than as the installed
 * `<root>/opt/hoist/node/bin/node <root>/opt/hoist/nodeup/nodeup.mjs`: the agent already holds
 * the same hoist build's nodeup, and its supervisor runs the node's services as threads of this
 * process; a second Node.js process per instance would cost every machine's start another
 * process start-up and module load on the host's CPU, which a rolling update of several machines
 * waits for. The installed files are there, verified by the script, as on a real machine; the
 * local cloud does not execute them.
 */

import { join } from 'node:path';
import type { NodeAgentIo } from '../../nodeup/agent.js';
import { RETRY_MS, runNodeAgent } from '../../nodeup/agent.js';
import { BOOT_CONFIG_PATH, BOOT_LOG_PATH, recordScriptRan, runBootScript, scriptRan } from './boot-script.js';
import type { RunningScript } from './boot-script.js';

export interface ScriptAgentOptions {
  /** The user data file (the script) and its text. */
  readonly script: string;
  readonly userData: string;
  /** How long a failed script waits before it runs again (nodeup's retry by default). */
  readonly retryMs?: number;
}

/** Runs until stopped; resolves with the exit code. */
export async function runScriptAgent(io: NodeAgentIo, opts: ScriptAgentOptions): Promise<number> {
  const line = (level: string, message: string, source?: string) =>
    io.log(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...(source ? { source } : {}) })}\n`);
  const root = io.env.HOIST_INSTANCE_ROOT ?? '';
  let stopped = false;
  let running: RunningScript | undefined;
  let wake: () => void = () => undefined;
  io.onStop(() => {
    stopped = true;
    running?.stop();
    wake();
  });
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => (clearTimeout(timer), resolve());
  });

  const started = Date.now();
  if (await scriptRan(root, opts.userData)) {
    line('info', 'the boot script already ran on this instance (user data runs once per instance); starting nodeup');
  } else {
    for (let attempt = 1; !stopped; attempt++) {
      io.send({ type: 'status', phase: 'booting', ready: false, message: 'running the boot script' });
      line('info', `running the boot script (attempt ${attempt}); its log is also in ${join(root, BOOT_LOG_PATH)}`);
      const watch = retryWatch((message) => io.send({ type: 'status', phase: 'failed', ready: false, message }), () => io.send({ type: 'status', phase: 'booting', ready: false, message: 'running the boot script' }));
      running = runBootScript({
        script: opts.script,
        root,
        env: io.env,
        onLine: (l) => {
          line('info', l, 'boot-script');
          watch(l);
        },
      });
      const result = await running.done;
      running = undefined;
      if (stopped) break;
      if (result.code === 0) {
        await recordScriptRan(root, opts.userData);
        line('info', `the boot script finished in ${Date.now() - started} ms`);
        break;
      }
      const retryMs = opts.retryMs ?? RETRY_MS;
      const message = `the boot script failed (exit code ${result.code ?? 'none'}): ${result.lastLine || 'no output'}`;
      line('error', `${message}; running it again in ${retryMs / 1000} s`);
      io.send({ type: 'status', phase: 'failed', ready: false, message });
      await sleep(retryMs);
    }
  }
  if (stopped) {
    line('info', 'stopped');
    return 0;
  }
  return runNodeAgent({ ...io, bootFile: join(root, BOOT_CONFIG_PATH) });
}

const SCRIPT_LINE = /hoist-boot: (.*)$/;
const CAUSE = /^(refused |could not |the instance has no|the metadata server gave no)/;
const RETRYING = /: attempt (\d+) failed; retrying in (\S+)$/;
// A step done (not merely tried again, as `downloading …` is).
const PROGRESS = /^(verified|installed|wrote) /;

/**
 * The boot script retries a failed download by itself, without end (a real machine has no one
 * to ask): the instance shows `failed`, with the cause the script logged, while it does, and
 * `booting` again once the script gets further.
 */
export function retryWatch(failed: (message: string) => void, recovered: () => void): (line: string) => void {
  let cause: string | undefined;
  let failing = false;
  return (text) => {
    const said = SCRIPT_LINE.exec(text)?.[1];
    if (said === undefined) return;
    const retry = RETRYING.exec(said);
    if (retry !== null) {
      failing = true;
      failed(`${cause ?? said} (the boot script tries again in ${retry[2]}; attempt ${retry[1]} failed)`);
      cause = undefined;
    } else if (CAUSE.test(said)) {
      cause = said;
    } else if (failing && PROGRESS.test(said)) {
      failing = false;
      recovered();
    }
  };
}
