/**
 * The bundled CLI keeps the Compute library in a chunk of its own: `--version` does not load it,
 * and a GCE command does (and works, against the fake Compute API).
 */

import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/engine/plan.js';
import { HOIST_BIN, ROOT, hoist, tempDir } from '../support/cli.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake, useAssetMirror } from './support.js';

const NAME = 'bundle.gce.example.com';
const TRACE = join(ROOT, 'test/state-store/fixtures/trace-imports.mjs');
let fake: FakeCompute;
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;

/** Runs dist/hoist.js, returning its output and the URLs of every module it loaded. */
async function traced(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string; loaded: string[] }> {
  const file = join(dir.path, `trace-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  const child = spawn(process.execPath, ['--import', TRACE, HOIST_BIN, ...args], { env: { ...process.env, ...env, HOIST_TRACE_IMPORTS: file }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const loaded = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { code, stdout, stderr, loaded };
}

async function computeChunk(): Promise<string> {
  const chunks = join(ROOT, 'dist/chunks');
  const found: string[] = [];
  for (const f of (await readdir(chunks)).filter((n) => n.endsWith('.js'))) {
    if ((await readFile(join(chunks, f), 'utf8')).includes('google.cloud.compute.v1.Networks')) found.push(f);
  }
  expect(found, 'one chunk holds the Compute clients (run npm run build first)').toHaveLength(1);
  return found[0]!;
}

beforeAll(async () => {
  fake = await startFake();
  dir = await tempDir('hoist-gce-bundle-');
  env = cliEnv(fake, `file://${join(dir.path, 'state')}`);
  const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
  const created = await run(['create', 'cluster', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
});

afterAll(async () => {
  await fake?.stop();
  await dir?.cleanup();
});

describe('the bundled CLI and the Compute library', () => {
  it('does not load the Compute chunk for --version', async () => {
    const chunk = await computeChunk();
    const version = await traced(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.loaded.some((u) => u.endsWith(`/${chunk}`))).toBe(false);
  });

  it('loads it for a GCE plan, which it makes against the fake', async () => {
    const chunk = await computeChunk();
    const planned = await traced(['update', 'cluster', NAME, '-o', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.loaded.some((u) => u.endsWith(`/${chunk}`))).toBe(true);
    const plan = JSON.parse(planned.stdout) as Plan;
    expect([plan.cloud, plan.summary.create, plan.stats.apiCalls]).toEqual(['gce', 32, 15]);
    // A cluster without a DNS zone names its API by its address, which the plan says it reads once made.
    expect(planned.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^\S+ has no DNS records \(spec\.topology\.dns\.type None\)/)]);
  });

  it('says how to give it credentials when it finds none, with no stack trace', async () => {
    // Without HOIST_GCE_AUTH=none the clients want Application Default Credentials: none in the
    // environment, none under the (empty) home, and no metadata server to ask.
    const { HOIST_GCE_AUTH: _auth, ...withAuth } = env;
    const saved = env;
    env = { ...withAuth, HOME: dir.path, GOOGLE_APPLICATION_CREDENTIALS: '', CLOUDSDK_CONFIG: join(dir.path, 'gcloud'), METADATA_SERVER_DETECTION: 'none' };
    try {
      const r = await traced(['update', 'cluster', NAME]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('error: GCE: no credentials');
      expect(r.stderr).toContain('hint: run `gcloud auth application-default login`');
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stderr).not.toContain('Node.js v');
    } finally {
      env = saved;
    }
  });
});
