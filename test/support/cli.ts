/** Runs hoist in tests: in-process through runCli (fast), or as the real bundled executable. */

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';
import type { IO } from '../../src/output/io.js';
import { textEventSink } from '../../src/output/io.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HOIST_BIN = join(ROOT, 'dist', 'hoist.js');

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  readonly stdin?: string;
  readonly answers?: readonly string[];
}

/** Runs the CLI in this process with captured output. */
export async function hoist(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const answers = [...(opts.answers ?? [])];
  const env = { ...process.env, ...opts.env };
  const verbose = args.includes('-v');
  const io: IO = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    events: textEventSink((t) => void (stderr += t), verbose),
    env,
    cwd: opts.cwd ?? process.cwd(),
    verbose,
    interactive: opts.answers !== undefined,
    ask: async (q) => {
      stderr += q;
      return answers.shift() ?? '';
    },
    readStdin: async () => opts.stdin ?? '',
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** Runs the bundled executable (dist/hoist.js) as a child process. */
export function hoistProcess(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOIST_BIN, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

export async function tempDir(prefix = 'hoist-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A digest of every file (path and bytes) under a folder: equal digests, equal trees. */
export async function treeDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(d, e.name);
      hash.update(`${relative(dir, p)}${e.isDirectory() ? '/' : ''}\n`);
      if (e.isDirectory()) await walk(p);
      else hash.update(await readFile(p));
    }
  };
  await walk(dir);
  return hash.digest('hex');
}
