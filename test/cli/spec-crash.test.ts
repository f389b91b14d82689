/**
 * `replace -f` of two documents (a Cluster and its nodes group), through the real bundle on
 * file://, killed with SIGKILL at each step of its writes (HOIST_TEST_CRASH_AT) until it runs to
 * its end. After each kill, readers see the old pair or the new one, never a mix, and history has
 * exactly one revision per change that took effect. The same command run again rolls back what
 * was unfinished and makes the change once, or says it is unchanged when it had taken effect; no
 * temp file is left once it has written.
 */

import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clientset } from '../../state-store/clientset.js';
import { listRevisionNumbers, listRevisions, readRevision } from '../../state-store/history.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { openStore } from '../../state-store/open.js';
import { hoistProcess, tempDir } from '../support/cli.js';
import { NODES, fullYaml, pairOf, pairYaml } from '../state-store/fixtures/spec-pair.js';
import type { PairVersion } from '../state-store/fixtures/spec-pair.js';

const NAME = 'pair.k8s.local';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let store: ObjectStore;

beforeAll(async () => {
  dir = await tempDir('hoist-spec-crash-');
  const url = pathToFileURL(join(dir.path, 'state')).href;
  env = { HOIST_STATE_STORE: url, HOIST_CLUSTER_NAME: '', HOIST_TEST_CRASH_AT: '' };
  for (const v of [1, 2] as const) await writeFile(file(v), pairYaml(NAME, v));
  await writeFile(join(dir.path, 'full.yaml'), fullYaml(NAME, 1));
  const created = await hoistProcess(['create', '-f', join(dir.path, 'full.yaml')], { env });
  expect(created.code, created.stderr).toBe(0);
  store = await openStore(url);
});
afterAll(async () => {
  await dir.cleanup();
});

/** Pending records: changes that are unfinished (a rolled-back one leaves an aborted record). */
async function pendingRecords(): Promise<number> {
  const records = await Promise.all((await listRevisionNumbers(store, NAME)).map((rev) => readRevision(store, NAME, rev)));
  return records.filter((r) => r?.record.pending !== undefined).length;
}

function file(v: PairVersion): string {
  return join(dir.path, `pair-${v}.yaml`);
}

/** Files below the store that are no object: temp files, mutexes. */
async function helperFiles(): Promise<string[]> {
  const entries = await readdir(join(dir.path, 'state'), { recursive: true });
  return entries.filter((e) => /\.hoist-(tmp|lock|stale)$/.test(e));
}

describe('replace -f of two documents, killed at each step', () => {
  // Two processes of the bundle per step, a dozen steps or more: past the default 60 s when other files share the cores.
  it('leaves the old pair or the new one, one revision per change that took effect, and no temp file', { timeout: 180_000 }, async () => {
    const clients = new Clientset(store);
    const revisions = async () => (await listRevisions(store, NAME)).length;
    let visible: PairVersion = 1;
    let changes = 1;
    let leftBehind = 0;
    let n = 1;
    for (; n < 40; n++) {
      const target: PairVersion = visible === 1 ? 2 : 1;
      const killed = await hoistProcess(['replace', '-f', file(target)], { env: { ...env, HOIST_TEST_CRASH_AT: String(n) } });
      if (killed.code === 0) {
        [visible, changes] = [target, changes + 1];
        expect(await revisions()).toBe(changes);
        break;
      }
      expect(killed.code, `step ${n}: ${killed.stderr}`).toBe(-1);
      const seen = pairOf(await clients.getSpecSet(NAME));
      expect([visible, target], `killed at step ${n}`).toContain(seen);
      if (seen === target) [visible, changes] = [target, changes + 1];
      expect(await revisions(), `killed at step ${n}`).toBe(changes);
      expect((await store.list('')).filter((k) => k.includes('.hoist-'))).toEqual([]);
      leftBehind += (await helperFiles()).length;

      const unfinished = (await pendingRecords()) > 0;
      const again = await hoistProcess(['replace', '-f', file(target)], { env });
      expect(again.code, again.stderr).toBe(0);
      const verb = seen === target ? 'unchanged' : 'configured';
      expect(again.stdout).toBe(`cluster/${NAME} ${verb}\ninstancegroup/${NODES} ${verb}\n`);
      if (unfinished) expect(again.stderr).toContain('rolled back an unfinished change');
      if (seen !== target) [visible, changes] = [target, changes + 1];
      expect(pairOf(await clients.getSpecSet(NAME))).toBe(target);
      expect(await revisions()).toBe(changes);
      expect(await pendingRecords()).toBe(0);
      expect(await helperFiles(), `after the command that followed the kill at step ${n}`).toEqual([]);
    }
    // Steps: the lock, the pending revision, the two objects, the completion (each with its
    // temp file), the release of the lock.
    expect(n).toBeGreaterThanOrEqual(11);
    // Some kills did leave temp files, which the next write removed.
    expect(leftBehind).toBeGreaterThan(0);
    const history = await hoistProcess(['history', 'cluster', NAME, '-o', 'json'], { env });
    expect(JSON.parse(history.stdout)).toHaveLength(changes);
  });
});
