/**
 * The local instance's service manager: Node.js programs in worker threads, others as processes,
 * restarts, stop. Restart backoffs run on a virtual clock (the programs themselves run for real),
 * and each test waits for what the supervisor logs, never for a fixed time.
 */

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Supervisor } from '../../nodeup/services/supervisor.js';

const dirs: string[] = [];
const supervisors: Supervisor[] = [];
/** Only the supervisor's timers (its restart backoff and kill grace) are virtual; file polls stay real. */
const VIRTUAL: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout'] };
const realSetTimeout = globalThis.setTimeout;

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(supervisors.splice(0).map((s) => s.stopAll(500)));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface NodeRoot {
  readonly root: string;
  readonly logs: string[];
  readonly supervisor: Supervisor;
  /** Resolves once the supervisor has logged `times` lines that match. */
  logged(line: RegExp, times?: number): Promise<void>;
}

function nodeRoot(programs: Record<string, string>): NodeRoot {
  const root = mkdtempSync(join(tmpdir(), 'hoist-supervisor-'));
  dirs.push(root);
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  for (const [name, text] of Object.entries(programs)) {
    writeFileSync(join(root, 'usr/local/bin', name), text);
    chmodSync(join(root, 'usr/local/bin', name), 0o755);
  }
  const logs: string[] = [];
  const waiting = new Set<() => void>();
  const log = (m: string) => {
    logs.push(m);
    for (const look of [...waiting]) look();
  };
  const logged = (line: RegExp, times = 1) =>
    new Promise<void>((resolve) => {
      const look = () => {
        if (logs.filter((l) => line.test(l)).length < times) return;
        waiting.delete(look);
        resolve();
      };
      waiting.add(look);
      look();
    });
  const supervisor = new Supervisor({ root, env: { HOIST_INSTANCE_ADDRESS: '127.0.0.1' }, log });
  supervisors.push(supervisor);
  return { root, logs, supervisor, logged };
}

const unit = (exec: string) => `[Service]\nExecStart=${exec}\nRestart=always\n`;

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => realSetTimeout(r, 20));
  }
}

const logOf = (root: string, name: string) => {
  try {
    return readFileSync(join(root, 'var/log', `${name}.log`), 'utf8');
  } catch {
    return '';
  }
};

describe('supervisor', () => {
  it('runs a Node.js program in a worker thread with its argv and environment, logging to its unit log', async () => {
    const { root, logs, supervisor } = nodeRoot({
      echo: '#!/usr/bin/env node\nconsole.log("args=" + process.argv.slice(2).join(",") + " root=" + process.env.HOIST_NODE_ROOT + " address=" + process.env.HOIST_INSTANCE_ADDRESS + " main=" + require("node:worker_threads").isMainThread);\nsetInterval(() => {}, 1000);\n',
    });
    await supervisor.start('echo.service', unit('/usr/local/bin/echo --a=1 b'));
    await until(() => logOf(root, 'echo').includes('args='), 'the program to log');
    expect(logOf(root, 'echo')).toContain(`args=--a=1,b root=${root} address=127.0.0.1 main=false`);
    expect(logs.some((l) => /^echo\.service: started \(thread \d+\)$/.test(l))).toBe(true);
    expect(await supervisor.state('echo.service')).toMatchObject({ running: true });
  });

  it('restarts a program that exits after its backoff, doubling it, and names why it ended', async () => {
    vi.useFakeTimers(VIRTUAL);
    const { root, logs, supervisor, logged } = nodeRoot({ flaky: '#!/usr/bin/env node\nconsole.log("up");\nsetTimeout(() => process.exit(3), 50);\n' });
    await supervisor.start('flaky.service', unit('/usr/local/bin/flaky'));
    await logged(/^flaky\.service: exited \(code 3\); restarting in 500 ms$/);
    const starts = () => logs.filter((l) => l.startsWith('flaky.service: started')).length;
    vi.advanceTimersByTime(499);
    expect(starts()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(starts()).toBe(2);
    await logged(/^flaky\.service: exited \(code 3\); restarting in 1000 ms$/);
    await until(() => logOf(root, 'flaky').split('up').length - 1 >= 2, 'the second run to log');
  });

  it('runs a program that is not Node.js as a child process', async () => {
    const { root, logs, supervisor } = nodeRoot({ shell: '#!/bin/sh\necho "shell $1"\nexec sleep 30\n' });
    await supervisor.start('shell.service', unit('/usr/local/bin/shell hello'));
    await until(() => logOf(root, 'shell').includes('shell hello'), 'the shell program to log');
    const started = logs.find((l) => l.startsWith('shell.service: started'));
    expect(started).toMatch(/^shell\.service: started \(pid \d+\)$/);
    const pid = Number(/pid (\d+)/.exec(started!)![1]);
    expect(() => process.kill(pid, 0)).not.toThrow();
    await supervisor.stopAll(500);
    await until(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'the child process to exit');
  });

  it('stops every service, and restarts none after, not even one whose restart was due', async () => {
    vi.useFakeTimers(VIRTUAL);
    const { logs, supervisor, logged } = nodeRoot({ forever: '#!/usr/bin/env node\nsetInterval(() => {}, 1000);\n', quits: '#!/usr/bin/env node\nprocess.exit(3);\n' });
    await supervisor.start('a.service', unit('/usr/local/bin/forever'));
    await supervisor.start('b.service', unit('/usr/local/bin/forever'));
    await supervisor.start('c.service', unit('/usr/local/bin/quits'));
    await logged(/^c\.service: exited \(code 3\); restarting in 500 ms$/);
    await supervisor.stopAll(500);
    expect(await supervisor.state('a.service')).toMatchObject({ running: false });
    expect(await supervisor.state('c.service')).toMatchObject({ running: false });
    // Nothing is left on the clock that could start a service, however long it runs.
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(logs.filter((l) => l.includes('started'))).toHaveLength(3);
    expect(logs.filter((l) => l.includes('restarting'))).toEqual(['c.service: exited (code 3); restarting in 500 ms']);
  });

  it('logs a program that cannot start, and tries again', async () => {
    vi.useFakeTimers(VIRTUAL);
    const { logs, supervisor, logged } = nodeRoot({ broken: '#!/usr/bin/env node\nthrow new Error("boom at start");\n' });
    await supervisor.start('broken.service', unit('/usr/local/bin/broken'));
    await logged(/^broken\.service: exited/);
    expect(logs.find((l) => l.startsWith('broken.service: exited'))).toContain('boom at start');
    vi.advanceTimersByTime(500);
    await logged(/^broken\.service: exited .*boom at start.*restarting in 1000 ms$/);
    expect(logs.filter((l) => l.startsWith('broken.service: started'))).toHaveLength(2);
  });
});
