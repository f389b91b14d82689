/**
 * dist/nodeup.mjs runs alone on a machine, with no dist/proto beside it, yet control-plane
 * machines use the etcd3 client, which reads its gRPC definitions from files at load. The
 * build's plugin (src/build/embed-etcd-protos.mjs) puts them in the bundle: a program that
 * loads the client, bundled as nodeup.mjs is and run from a folder of its own, starts; bundled
 * without the plugin, it fails for want of rpc.proto.
 */

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script in JavaScript, without type declarations.
import { embedEtcdProtos } from '../../src/build/embed-etcd-protos.mjs';
import { ROOT } from '../support/cli.js';

// Loads the client and makes one (which needs the parsed definitions), without connecting.
const PROGRAM = "import { Etcd3 } from 'etcd3';\nnew Etcd3({ hosts: '127.0.0.1:1' }).close();\nconsole.log('etcd3 loaded');\n";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-etcd-protos-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Bundles the program into a folder of its own, as the build bundles nodeup.mjs, and runs it there. */
async function bundleAndRun(name: string, plugins: Plugin[]): Promise<{ status: number | null; output: string }> {
  const outfile = join(dir, name, 'nodeup.mjs');
  const banner = ["import { createRequire as __cr } from 'node:module';", "import { fileURLToPath as __fu } from 'node:url';", "import { dirname as __dn } from 'node:path';", 'const require = __cr(import.meta.url);', 'const __filename = __fu(import.meta.url);', 'const __dirname = __dn(__filename);'].join('\n');
  await build({ absWorkingDir: ROOT, stdin: { contents: PROGRAM, resolveDir: ROOT, loader: 'ts', sourcefile: 'probe.ts' }, outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'silent', banner: { js: banner }, plugins });
  const run = spawnSync(process.execPath, [outfile], { cwd: join(dir, name), encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the etcd client in a single-file bundle', () => {
  it('loads from a folder of its own with the definitions embedded', async () => {
    const run = await bundleAndRun('embedded', [embedEtcdProtos() as Plugin]);
    expect(run.output).toContain('etcd3 loaded');
    expect(run.status).toBe(0);
  });

  it('does not without them', async () => {
    const run = await bundleAndRun('plain', []);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('rpc.proto');
  });
});
