/**
 * A local instance runs its user data as a cloud machine's cloud-init does: a user data that is
 * a script (it starts with `#!`) runs once per instance, here with bash as a child process of
 * the agent, under the instance's root folder. The boot script's overridable locations point
 * into that root (HOIST_ROOT), its log into the root's /var/log, and its last step is left to
 * the agent (HOIST_SERVICE_MANAGER=supervisor: install and write the boot configuration, then
 * stop), which runs nodeup itself with its supervisor instead of systemd.
 */

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Env } from './files.js';

/** Where the boot script writes the boot configuration, below the instance's root. */
export const BOOT_CONFIG_PATH = 'etc/hoist/boot.yaml';
/** The boot script's log file, below the instance's root. */
export const BOOT_LOG_PATH = 'var/log/hoist-boot.log';
/**
 * cloud-init's record that the instance's user-data scripts ran: a restarted instance (the
 * daemon restarted) does not run its script again, as a rebooted VM does not.
 */
export const SCRIPT_DONE_PATH = 'var/lib/cloud/instance/sem/config_scripts_user';

/** True when the user data is a script: cloud-init runs user data that starts with `#!`. */
export function isUserDataScript(userData: string): boolean {
  return userData.startsWith('#!');
}

/** The environment a local instance's boot script gets on top of the agent's own. */
export function bootScriptEnv(root: string): Record<string, string> {
  return {
    HOIST_ROOT: root,
    HOIST_SERVICE_MANAGER: 'supervisor',
    HOIST_BOOT_LOG: join(root, BOOT_LOG_PATH),
  };
}

export interface ScriptResult {
  /** The exit code; null when a signal ended it (it was stopped). */
  readonly code: number | null;
  /** The last line the script printed, which says why it failed. */
  readonly lastLine: string;
}

export interface RunningScript {
  readonly done: Promise<ScriptResult>;
  /** Ends the script and whatever it started (its process group). */
  stop(): void;
}

export interface ScriptOptions {
  readonly script: string;
  readonly root: string;
  readonly env: Env;
  /** Each line the script prints (stdout and stderr), as it prints it. */
  readonly onLine: (line: string) => void;
}

/**
 * Runs `script` with bash. It is its own process group, so that a stop ends the downloads and
 * waits it started too, not only bash.
 */
export function runBootScript(opts: ScriptOptions): RunningScript {
  const child = spawn('bash', [opts.script], {
    cwd: opts.root,
    env: { ...opts.env, ...bootScriptEnv(opts.root) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let lastLine = '';
  const lines = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) emit(line);
    });
    stream.on('end', () => partial && emit(partial));
  };
  const emit = (line: string) => {
    if (line.trim() !== '') lastLine = line.trim();
    opts.onLine(line);
  };
  lines(child.stdout);
  lines(child.stderr);
  const done = new Promise<ScriptResult>((resolve) => {
    child.once('error', (e) => resolve({ code: 127, lastLine: `cannot run bash: ${e.message}` }));
    // 'close' comes after both streams ended, so the last line is in.
    child.once('close', (code) => resolve({ code, lastLine }));
  });
  return {
    done,
    stop: () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** The hash cloud-init's record keeps: the user data the script ran from. */
function userDataHash(userData: string): string {
  return createHash('sha256').update(userData).digest('hex');
}

/** Whether this user data's script already ran to the end on this instance. */
export async function scriptRan(root: string, userData: string): Promise<boolean> {
  const recorded = await readFile(join(root, SCRIPT_DONE_PATH), 'utf8').catch(() => '');
  return recorded.trim() === userDataHash(userData);
}

/** Records that the script of this user data ran to the end. */
export async function recordScriptRan(root: string, userData: string): Promise<void> {
  const file = join(root, SCRIPT_DONE_PATH);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${userDataHash(userData)}\n`);
  await rename(`${file}.tmp`, file);
}
