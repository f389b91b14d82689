/**
 * dist/nodeup.mjs, the one file machines download at boot, runs `hoist nodeup` with Node.js
 * alone: against a file:// state store prepared as `update cluster --yes` prepares it, a dry
 * run shows the node plan and changes nothing, a run under --root configures the machine and
 * reports Ready to the store (also from a folder holding nothing but the file), and a bad boot
 * file is a clean error. (That the etcd client a control plane uses loads from such a folder is
 * test/build/embed-etcd-protos.test.ts.)
 */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instanceStatusKey } from '../../nodeup/config/keys.js';
import { ROOT } from '../support/cli.js';
import { CLUSTER, NODES, nodeWorld } from './support.js';
import type { NodeWorld } from './support.js';

const BUNDLE = join(ROOT, 'dist', 'nodeup.mjs');
let world: NodeWorld;
const running = new Set<ChildProcess>();

/** Runs the bundle as a machine would; the process is killed if the test gives up on it. */
function nodeupBundle(args: string[], bundle = BUNDLE): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: world.dir, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await stat(BUNDLE).catch(() => {
    throw new Error(`${BUNDLE} is missing: run npm run build first`);
  });
  world = await nodeWorld();
});

afterEach(() => {
  // A run the test gave up on does not outlive it.
  for (const child of running) child.kill('SIGKILL');
});

afterAll(async () => {
  await world?.cleanup();
});

describe('dist/nodeup.mjs', () => {
  it('shows the node plan in a dry run and changes nothing', async () => {
    const root = join(world.dir, 'root-dry');
    const run = await nodeupBundle(['nodeup', '--conf', await world.bootFile(NODES), '--root', root, '--dry-run', '--instance-id', 'i-dry', '--address', '127.110.32.9']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Will create resources:');
    expect(run.stdout).toContain('Archive/kubernetes-node');
    expect(run.stdout).toContain('Dry run: nothing was changed on i-dry (nodes-local-a).');
    await expect(stat(root)).rejects.toThrow(/ENOENT/);
    expect(await world.store.get(instanceStatusKey(CLUSTER, NODES, 'i-dry'))).toBeUndefined();
  });

  it('configures a machine under --root and reports it Ready', async () => {
    const root = join(world.dir, 'root-node');
    const run = await nodeupBundle(['nodeup', '--conf', await world.bootFile(NODES), '--root', root, '--instance-id', 'i-bundle', '--address', '127.110.32.9']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Applied \d+ changes: i-bundle \(nodes-local-a\) is configured with sha256:[0-9a-f]{64}\./);
    await stat(join(root, 'usr/local/bin/kubelet'));
    const status = JSON.parse(Buffer.from((await world.store.get(instanceStatusKey(CLUSTER, NODES, 'i-bundle')))!.body).toString('utf8')) as { phase: string };
    expect(status.phase).toBe('Ready');
  });

  it('runs from a folder holding nothing but the file, as /opt/hoist/nodeup holds it', async () => {
    const alone = join(world.dir, 'opt-hoist-nodeup');
    await mkdir(alone);
    await copyFile(BUNDLE, join(alone, 'nodeup.mjs'));
    const root = join(world.dir, 'root-alone');
    const run = await nodeupBundle(['nodeup', '--conf', await world.bootFile(NODES), '--root', root, '--instance-id', 'i-alone', '--address', '127.110.32.9'], join(alone, 'nodeup.mjs'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Applied \d+ changes: i-alone \(nodes-local-a\)/);
  });

  it('refuses a missing boot file with a clean error and exit code 1', async () => {
    const run = await nodeupBundle(['nodeup', '--conf', join(world.dir, 'missing.yaml')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: cannot read the boot configuration ${join(world.dir, 'missing.yaml')}`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
