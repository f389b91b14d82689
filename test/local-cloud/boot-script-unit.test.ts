/**
 * The parts of a local instance's boot that need no cluster: the mirror's Node.js runtime
 * archive (laid out as upstream's, reproducible), the agent's reading of a retrying boot
 * script, and a stopped script leaving no process behind.
 */

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUserDataScript, recordScriptRan, runBootScript, scriptRan } from '../../cloudup/local/boot-script.js';
import { ensureNodeRuntime } from '../../cloudup/local/stand-ins/node-runtime.js';
import { retryWatch, runScriptAgent } from '../../cloudup/local/script-agent.js';
import { processRunning } from '../../cloudup/local/files.js';
import { waitFor } from './support.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-boot-unit-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('the mirror\'s Node.js runtime', () => {
  it('packs node-v<version>-linux-x64/bin/node, a link to the host binary, with its SHASUMS256.txt, the same bytes in every mirror', async () => {
    const work = await tempDir();
    const binary = join(work, 'node');
    await writeFile(binary, '#!/bin/sh\necho v20.1.2\n', { mode: 0o755 });
    const a = await ensureNodeRuntime(join(work, 'a'), binary, 'v20.1.2');
    const b = await ensureNodeRuntime(join(work, 'b'), binary, 'v20.1.2');
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.sha256).toBe(a.sha256);
    expect(a).toMatchObject({ version: '20.1.2', url: `file://${work}/a/nodejs/v20.1.2/node-v20.1.2-linux-x64.tar.gz` });
    const archive = new URL(a.url).pathname;
    expect(await readFile(join(archive, '..', 'SHASUMS256.txt'), 'utf8')).toBe(`${a.sha256}  node-v20.1.2-linux-x64.tar.gz\n`);
    const listing = execFileSync('tar', ['-tvzf', archive], { encoding: 'utf8' });
    expect(listing).toMatch(new RegExp(`^l\\S+ 0/0 .* node-v20\\.1\\.2-linux-x64/bin/node -> ${binary}$`, 'm'));
    // Extracted as the boot script extracts it, it runs the host binary.
    const installed = join(work, 'installed');
    execFileSync('mkdir', ['-p', installed]);
    execFileSync('tar', ['-xf', archive, '-C', installed, '--strip-components=1', '--no-same-owner']);
    expect(execFileSync(join(installed, 'bin', 'node'), { encoding: 'utf8' })).toBe('v20.1.2\n');

    // Kept as it is once there, even when it no longer matches (a test may corrupt it on purpose)...
    await writeFile(archive, 'changed');
    expect((await ensureNodeRuntime(join(work, 'a'), binary, 'v20.1.2')).sha256).toBe(a.sha256);
    // ...unless the host binary is another one: then it is made again, and pinned anew.
    const other = join(work, 'other-node');
    await writeFile(other, '#!/bin/sh\necho v20.1.2\n', { mode: 0o755 });
    const again = await ensureNodeRuntime(join(work, 'a'), other, 'v20.1.2');
    expect(again.sha256).not.toBe(a.sha256);
    expect(execFileSync('tar', ['-tvzf', archive], { encoding: 'utf8' })).toContain(`-> ${other}`);
  });
});

describe('a boot script as user data', () => {
  it('is told from a boot configuration or health ports by its #! line', () => {
    expect(isUserDataScript('#!/bin/bash\necho hi\n')).toBe(true);
    expect(isUserDataScript('# hoist boot configuration\nstateStore: file:///x\n')).toBe(false);
    expect(isUserDataScript('healthPorts: [8080]\n')).toBe(false);
  });

  it('shows the cause of a download the script retries as failed, and booting again once it gets further', () => {
    const seen: string[] = [];
    const watch = retryWatch((m) => seen.push(`failed: ${m}`), () => seen.push('booting'));
    for (const line of [
      '2026-01-01T00:00:00Z hoist-boot: downloading file:///s/nodeup.mjs',
      '2026-01-01T00:00:00Z hoist-boot: refused file:///s/nodeup.mjs: sha256 aa is not the pinned bb',
      '2026-01-01T00:00:00Z hoist-boot: nodeup: attempt 1 failed; retrying in 1s',
      '2026-01-01T00:00:01Z hoist-boot: downloading file:///s/nodeup.mjs',
      '2026-01-01T00:00:01Z hoist-boot: verified file:///s/nodeup.mjs (sha256 bb)',
      '2026-01-01T00:00:01Z hoist-boot: installed nodeup in /r/opt/hoist/nodeup/nodeup.mjs',
    ]) watch(line);
    expect(seen).toEqual(['failed: refused file:///s/nodeup.mjs: sha256 aa is not the pinned bb (the boot script tries again in 1s; attempt 1 failed)', 'booting']);
  });

  it('reports the exit code and last line of a failed script', async () => {
    const root = await tempDir();
    const script = join(root, 'user-data');
    await writeFile(script, '#!/bin/bash\necho "root is $HOIST_ROOT, manager $HOIST_SERVICE_MANAGER"\necho "no way" >&2\nexit 3\n');
    const lines: string[] = [];
    const result = await runBootScript({ script, root, env: { PATH: process.env.PATH }, onLine: (l) => lines.push(l) }).done;
    expect(result).toEqual({ code: 3, lastLine: 'no way' });
    expect(lines).toContain(`root is ${root}, manager supervisor`);
  });

  it('ends the script and what it started when stopped', async () => {
    const root = await tempDir();
    const script = join(root, 'user-data');
    await writeFile(script, '#!/bin/bash\nsleep 300 &\necho "waiter $!"\nwait\n');
    let waiter: number | undefined;
    const onLine = (line: string) => {
      const m = /^waiter (\d+)$/.exec(line);
      if (m) waiter = Number(m[1]);
    };
    const running = runBootScript({ script, root, env: { PATH: process.env.PATH }, onLine });
    const pid = await waitFor('the script to start its child', () => waiter);
    running.stop();
    expect((await running.done).code).toBeNull();
    await waitFor('the child to be gone', () => !processRunning(pid));
  });

  it('reports a failed script with its last line, runs it again, and stops when told', async () => {
    const root = await tempDir();
    const script = join(root, 'user-data');
    const userData = '#!/bin/bash\necho "$(date -u +%FT%TZ) hoist-boot: failed (exit 3) at line 2: tar -xf node.tar" >&2\nexit 3\n';
    await writeFile(script, userData);
    const sent: { phase: string; message?: string }[] = [];
    const stops: (() => void)[] = [];
    let log = '';
    const agent = runScriptAgent(
      { env: { PATH: process.env.PATH, HOIST_INSTANCE_ROOT: root }, send: (m) => sent.push(m), log: (t) => (log += t), onStop: (stop) => stops.push(stop) },
      { script, userData, retryMs: 20 },
    );
    await waitFor('two failed runs', () => sent.filter((m) => m.phase === 'failed').length >= 2);
    for (const stop of stops) stop();
    expect(await agent).toBe(0);
    expect(sent.find((m) => m.phase === 'failed')?.message).toMatch(/^the boot script failed \(exit code 3\): \S+ hoist-boot: failed \(exit 3\) at line 2: tar -xf node\.tar$/);
    expect(log).toContain('running the boot script (attempt 2)');
    expect(log).not.toContain('the boot script finished');
    expect(await scriptRan(root, userData)).toBe(false);
  });

  it('runs once per instance: a record of the user data it ran from', async () => {
    const root = await tempDir();
    expect(await scriptRan(root, '#!/bin/bash\n')).toBe(false);
    await recordScriptRan(root, '#!/bin/bash\n');
    expect(await scriptRan(root, '#!/bin/bash\n')).toBe(true);
    expect(await scriptRan(root, '#!/bin/bash\necho other\n')).toBe(false);
  });
});
