/**
 * Starts what every test run shares: one moto server (unless CI gives one in
 * HOIST_TEST_MOTO_URL), on a free loopback port, stopped by its PID at the end. Tests read its
 * URL with `motoUrl()` from ./moto.ts; processes they spawn find it in the environment.
 */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

// Kept apart from ./moto.ts: that module imports `vitest`, which a global setup must not.
const INSTALL_HINT = "the AWS tests need moto 5.2.1: pip install 'moto[server]==5.2.1'";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The SDK's notice about future Node versions would otherwise interleave with test output.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const given = process.env['HOIST_TEST_MOTO_URL'];
  if (given) {
    project.provide('motoUrl', given.replace(/\/+$/, ''));
    return async () => undefined;
  }
  const moto = await startMoto();
  // Set before the test workers start, so that they and their children inherit it.
  process.env['HOIST_TEST_MOTO_URL'] = moto.url;
  project.provide('motoUrl', moto.url);
  return () => moto.stop();
}

interface MotoServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts moto_server from PATH (with one fix of moto 5.2.1: test/support/moto-server.py) on a
 * free loopback port and waits until it answers.
 */
// Only a limit: it returns as soon as moto answers. Python's start alone took over 30 s on a 2-core machine under load.
async function startMoto(timeoutMs = 120_000): Promise<MotoServer> {
  if ((await findOnPath('moto_server')) === undefined) throw new Error(`moto_server is not on PATH; ${INSTALL_HINT}`);
  const command = fileURLToPath(new URL('./moto-server', import.meta.url));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  // moto logs every request: keep draining its output, and keep the tail for error messages.
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4_000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const server: MotoServer = {
    url,
    pid,
    async stop() {
      process.off('exit', killOnExit);
      await stopChild(child);
    },
  };
  try {
    await waitUntilUp(url, child, timeoutMs, () => log);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto_server exited (${child.exitCode ?? child.signalCode}) before answering:\n${log()}`);
    }
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms:\n${log()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
