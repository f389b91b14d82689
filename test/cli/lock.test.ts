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
    await holdLock('update cluster');
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

  it('a command releases the lock when it ends, also when it fails after taking it', async () => {
    expect((await hoist(['create', 'ig', 'more', '--max-size', '2'], { env })).code).toBe(0);
    expect((await hoist(['lock', 'status', '-o', 'json'], { env })).stdout).toContain('"locked": false');
  });
});
