import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, hoist, hoistProcess, tempDir, treeDigest } from '../support/cli.js';

const NAME = 'edit.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let scripts = 0;

beforeEach(async () => {
  dir = await tempDir();
  // Edits that are kept (refused or abandoned) land in TMPDIR: the test's own folder.
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: NAME, TMPDIR: dir.path };
  const r = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a'], { env });
  expect(r.code, r.stderr).toBe(0);
});
afterEach(async () => dir.cleanup());

type Step = { replace?: [string, string][]; waitFor?: string; ready?: string };

/** An environment whose $EDITOR plays the given steps, one per time the editor opens. */
async function editorEnv(steps: Step[]): Promise<Record<string, string> & { script: string }> {
  const script = join(dir.path, `editor-${scripts++}.json`);
  await writeFile(script, JSON.stringify(steps));
  return { ...env, EDITOR: `${process.execPath} ${join(ROOT, 'test/support/scripted-editor.mjs')}`, VISUAL: '', HOIST_TEST_EDITOR_SCRIPT: script, script };
}

describe('edit', () => {
  it('saves a valid edit as a new revision', async () => {
    const e = await editorEnv([{ replace: [['maxSize: 2', 'maxSize: 6']] }]);
    const r = await hoist(['edit', 'ig', 'nodes-us-east-1a'], { env: e });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('revision 2');
    const ig = parse((await hoist(['get', 'ig', 'nodes-us-east-1a', '-o', 'yaml'], { env })).stdout);
    expect(ig.spec.maxSize).toBe(6);
  });

  it('reopens an invalid edit with the errors at the top, and saves the fix', async () => {
    const e = await editorEnv([
      { replace: [['networkCIDR: 172.20.0.0/16', 'networkCIDR: 172.20.0.0/16\n  nodePortAcess: [10.0.0.0/8]']] },
      { replace: [['  nodePortAcess:', '  nodePortAccess:']] },
    ]);
    const r = await hoist(['edit', 'cluster'], { env: e });
    expect(r.code, r.stderr).toBe(0);
    const reopened = await readFile(`${e.script}.seen.1`, 'utf8');
    expect(reopened.split('\n')[0]).toMatch(/^# ERROR/);
    expect(reopened).toMatch(/#\s+- spec\.nodePortAcess .*did you mean `?nodePortAccess`?/);
    const cluster = parse((await hoist(['get', 'cluster', '-o', 'yaml'], { env })).stdout);
    expect(cluster.spec.nodePortAccess).toEqual(['10.0.0.0/8']);
  });

  it('cancels an unchanged edit, and gives up on errors left unfixed, writing nothing', async () => {
    const state = join(dir.path, 'state');
    const before = await treeDigest(state);
    const unchanged = await hoist(['edit', 'cluster'], { env: await editorEnv([{}]) });
    expect(unchanged.code).toBe(0);
    expect(unchanged.stderr).toContain('Edit cancelled, no changes made.');
    const broken = await hoist(['edit', 'cluster'], { env: await editorEnv([{ replace: [['172.20.0.0/16', '172.20.0.0/99']] }, {}]) });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('still has errors');
    expect(await treeDigest(state)).toBe(before);
  });

  it('says the edited file is gone when the editor deletes it, and changes nothing', async () => {
    const state = join(dir.path, 'state');
    const before = await treeDigest(state);
    const r = await hoist(['edit', 'cluster'], { env: { ...env, EDITOR: 'rm -f', VISUAL: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the edited file \S+edit\.example\.com\.yaml is gone \(the editor deleted or moved it\); nothing was changed/);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toContain('ENOENT');
    expect(await treeDigest(state)).toBe(before);
  });

  it('reopens an edit that gives the cloud a tag it refuses, with the field path', async () => {
    const state = join(dir.path, 'state');
    const before = await treeDigest(state);
    const e = await editorEnv([{ replace: [['  subnets:', '  cloudLabels:\n    aws:owner: me\n  subnets:']] }, {}]);
    const r = await hoist(['edit', 'ig', 'nodes-us-east-1a'], { env: e });
    expect(r.code).toBe(1);
    const reopened = await readFile(`${e.script}.seen.1`, 'utf8');
    expect(reopened).toMatch(/#\s+- InstanceGroup\/nodes-us-east-1a:spec\.cloudLabels\["aws:owner"\].*starts with "aws:"/);
    expect(await treeDigest(state)).toBe(before);
  });

  it('refuses the second of two edits made from the same revision; the first stays intact', async () => {
    const go = join(dir.path, 'go');
    const opened = join(dir.path, 'opened');
    const slow = await editorEnv([{ ready: opened, waitFor: go, replace: [['maxSize: 2', 'maxSize: 9']] }]);
    const first = hoistProcess(['edit', 'ig', 'nodes-us-east-1a'], { env: slow });
    const deadline = Date.now() + 20_000;
    while (!existsSync(opened)) {
      if (Date.now() > deadline) throw new Error('the slow editor never opened');
      await new Promise((r) => setTimeout(r, 25));
    }
    // While the first editor is open, someone else edits the same group and saves.
    const quick = await hoist(['edit', 'ig', 'nodes-us-east-1a'], { env: await editorEnv([{ replace: [['maxSize: 2', 'maxSize: 4']] }]) });
    expect(quick.code, quick.stderr).toBe(0);
    await writeFile(go, '');
    const late = await first;
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('changed since it was read');
    expect(late.stderr).toMatch(/revision 2 by .+edit ig nodes-us-east-1a/);
    expect(late.stderr).toMatch(/your edit is kept in \S+nodes-us-east-1a\.yaml/);
    const ig = parse((await hoist(['get', 'ig', 'nodes-us-east-1a', '-o', 'yaml'], { env })).stdout);
    expect(ig.spec.maxSize).toBe(4);
    const history = JSON.parse((await hoist(['history', 'cluster', '-o', 'json'], { env })).stdout);
    expect(history).toHaveLength(2);
  });
});

describe('history, diff and rollback', () => {
  it('five edits give five revisions, and rollback restores a revision exactly', async () => {
    const sizes = [3, 4, 5, 6, 7];
    const snapshots: string[] = [await specYaml()];
    let current = 2;
    for (const size of sizes) {
      const r = await hoist(['edit', 'ig', 'nodes-us-east-1a'], { env: await editorEnv([{ replace: [[`maxSize: ${current}`, `maxSize: ${size}`]] }]) });
      expect(r.code, r.stderr).toBe(0);
      current = size;
      snapshots.push(await specYaml());
    }
    const history = JSON.parse((await hoist(['history', 'cluster', '-o', 'json'], { env })).stdout);
    expect(history.map((h: { rev: number }) => h.rev)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history[3].command).toContain('edit ig nodes-us-east-1a');
    const table = (await hoist(['history', 'cluster'], { env })).stdout;
    expect(table.split('\n')[0]).toMatch(/^REV\s+TIME\s+USER\s+IGS\s+COMMAND$/);

    const diff = await hoist(['diff', 'cluster', '--from', '2', '--to', '4'], { env });
    expect(diff.stdout).toContain('-  maxSize: 3');
    expect(diff.stdout).toContain('+  maxSize: 5');
    expect(diff.stdout.match(/^[-+] /gm)).toHaveLength(2);

    const rb = await hoist(['rollback', 'cluster', '--to', '3'], { env });
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stdout).toContain('recorded as revision 7');
    expect(await specYaml()).toBe(snapshots[2]);
    const noDiff = await hoist(['diff', 'cluster', '--from', '3'], { env });
    expect(noDiff.stdout).toBe('');
    expect(noDiff.stderr).toContain('No differences');
    const again = await hoist(['rollback', 'cluster', '--to', '7'], { env });
    expect(again.stdout).toContain('nothing changed');
  });

  it('rollback brings back a deleted instance group', async () => {
    const spot = await hoist(['create', 'ig', 'spot', '--max-size', '3'], { env });
    expect(spot.code, spot.stderr).toBe(0);
    const withSpot = await specYaml();
    await hoist(['delete', 'ig', 'spot', '--yes'], { env });
    expect(await specYaml()).not.toBe(withSpot);
    await hoist(['rollback', 'cluster', '--to', '2'], { env });
    expect(await specYaml()).toBe(withSpot);
  });
});

async function specYaml(): Promise<string> {
  const c = await hoist(['get', 'cluster', '-o', 'yaml'], { env });
  const igs = await hoist(['get', 'ig', '-o', 'yaml'], { env });
  return `${c.stdout}---\n${igs.stdout}`;
}
