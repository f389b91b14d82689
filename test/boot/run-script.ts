/**
 * Runs a rendered boot script with bash as a process of its own group, so that the test can
 * stop it and everything it started (curl, sleep, tee, nodeup) by its PID, also on failure.
 */

import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ScriptRun {
  readonly pid: number;
  /** Console output so far (stdout and stderr as the script wrote them). */
  output(): string;
  /** Resolves when the output matches; rejects if the script exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The exit code, once the script and its output are done. */
  readonly exited: Promise<number | null>;
  /** Kills the script's process group and waits for it. */
  stop(): Promise<void>;
}

const running = new Set<ScriptRun>();

/** Stops every script still running (for afterEach, so a failed test leaves no process). */
export async function stopAllScripts(): Promise<void> {
  await Promise.all([...running].map((r) => r.stop()));
}

export async function runScript(dir: string, script: string, env: Record<string, string>): Promise<ScriptRun> {
  const path = join(dir, 'boot.sh');
  await writeFile(path, script, { mode: 0o755 });
  const child = spawn('bash', [path], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start bash');
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const l of listeners) l();
  });
  const run: ScriptRun = {
    pid,
    output: () => text,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no ${pattern} in the script's output within ${timeoutMs} ms:\n${text}`)), timeoutMs);
        const check = () => {
          if (pattern.test(text)) finish();
          else if (done) finish(new Error(`the script exited without ${pattern}:\n${text}`));
        };
        const finish = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        check();
      }),
    exited,
    async stop() {
      running.delete(run);
      if (!done) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // the group is gone already
        }
      }
      await exited;
    },
  };
  running.add(run);
  void exited.then(() => running.delete(run));
  return run;
}
