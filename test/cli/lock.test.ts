import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../state-store/lock.js';
import type { HeldLock } from '../../state-store/lock.js';
import { openStore } from '../../state-store/open.js';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

const NAME = 'locked.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let held: HeldLock | undefined;

beforeEach(async () => {
  dir = await tempDir();
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: NAME };
  expect((await hoist(['create', 'cluster', NAME], { env })).code).toBe(0);
});
afterEach(async () => {
  await held?.release();
  held = undefined;
  await dir.cleanup();
});

async function holdLock(operation: string): Promise<HeldLock> {
  const store = await openStore(`file://${dir.path}/state`);
  held = await acquireLock(store, NAME, { operation, releaseOnSignals: false });
  return held;
}

describe('the cluster lock on the command line', () => {
  it('a mutating command finds the lock held, exits 1 naming the holder, and writes nothing', async () => {
    const lock = await holdLock('update cluster');
    const before = await treeDigest(`${dir.path}/state`);
    const r = await hoist(['create', 'ig', 'more', '--max-size', '2'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(lock.info.holder);
    expect(r.stderr).toContain(`pid ${process.pid}`);
    expect(r.stderr).toContain('update cluster');
    expect(r.stderr).toContain('hoist lock');
    expect(await treeDigest(`${dir.path}/state`)).toBe(before);
    // Reading needs no lock.
    expect((await hoist(['get', 'ig'], { env })).code).toBe(0);
  });

  it('lock status shows the holder in every format', async () => {
    expect((await hoist(['lock', 'status'], { env })).stdout).toContain('is not locked');
    const lock = await holdLock('rolling-update cluster');
    const table = await hoist(['lock', 'status'], { env });
    expect(table.stdout).toMatch(/^HOLDER\s+PID\s+OPERATION\s+STARTED\s+EXPIRES/);
    expect(table.stdout).toContain('rolling-update cluster');
    const json = JSON.parse((await hoist(['lock', 'status', '-o', 'json'], { env })).stdout);
    expect(json).toMatchObject({ cluster: NAME, locked: true, holder: lock.info.holder, pid: process.pid, operation: 'rolling-update cluster', expired: false });
  });

  it('lock break asks, refuses without a terminal, and breaks with --yes', async () => {
    // A holder on another machine: this one cannot tell whether it is alive.
    const store = await openStore(`file://${dir.path}/state`);
    const now = Date.now();
    await store.put(`${NAME}/lock`, JSON.stringify({ id: 'remote', holder: 'alice@build-box', host: 'build-box', pid: 4242, operation: 'update cluster', started: new Date(now).toISOString(), expires: new Date(now + 60_000).toISOString() }));
    const noTty = await hoist(['lock', 'break'], { env });
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain('--yes');
    const declined = await hoist(['lock', 'break'], { env, answers: ['n'] });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('Break the lock');
    expect((await hoist(['lock', 'status', '-o', 'json'], { env })).stdout).toContain('"locked": true');
    const broken = await hoist(['lock', 'break', '--yes'], { env });
    expect(broken.code).toBe(0);
    expect(broken.stdout).toContain('broken');
    expect((await hoist(['lock', 'status', '-o', 'json'], { env })).stdout).toContain('"locked": false');
    expect((await hoist(['create', 'ig', 'more', '--max-size', '2'], { env })).code).toBe(0);
  });

  it('lock break refuses a holder that is running on this host, naming it, unless --force', async () => {
    const lock = await holdLock('rolling-update cluster');
    const before = await treeDigest(`${dir.path}/state`);
    for (const args of [['--yes'], []]) {
      const refused = await hoist(['lock', 'break', ...args], { env, answers: ['y'] });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`error: the lock of ${NAME} is held by ${lock.info.holder} (pid ${process.pid}, "rolling-update cluster", since ${lock.info.started}), a process that is running on this host; not broken`);
      expect(refused.stderr).toContain(`kill ${process.pid}`);
      expect(refused.stderr).toContain(`hoist lock break ${NAME} --force`);
      expect(refused.stderr).not.toContain('Break the lock');
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await treeDigest(`${dir.path}/state`)).toBe(before);
    const forced = await hoist(['lock', 'break', '--yes', '--force'], { env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`lock of ${NAME} held by ${lock.info.holder} (pid ${process.pid}`);
    expect((await hoist(['lock', 'status', '-o', 'json'], { env })).stdout).toContain('"locked": false');
    // The holder learns it before its next change.
    await expect(lock.check()).rejects.toThrow(/no longer held by this process: it was broken/);
  });

  it('a command releases the lock when it ends, also when it fails after taking it', async () => {
    expect((await hoist(['create', 'ig', 'more', '--max-size', '2'], { env })).code).toBe(0);
    expect((await hoist(['lock', 'status', '-o', 'json'], { env })).stdout).toContain('"locked": false');
  });
});
