/**
 * `get all` and `delete -f` on a folder state store: get all's output goes back into delete -f
 * and create -f; delete -f removes a file's instance groups as one revision, refuses a file that
 * names something missing without changing anything, and leaves the subcommands' --yes theirs.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

const NAME = 'all.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
const run = (...args: string[]) => hoist(args, { env });

beforeEach(async () => {
  dir = await tempDir('hoist-delete-file-');
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: '' };
  expect((await run('create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com')).code).toBe(0);
  expect((await run('create', 'instancegroup', 'extra', '--name', NAME)).code).toBe(0);
});
afterEach(async () => dir.cleanup());

describe('get all', () => {
  it('shows the cluster and its groups as two tables, or as one stream of the stored objects', async () => {
    const table = await run('get', 'all', NAME);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^Cluster\nNAME\s+CLOUD\s+ZONES\nall\.example\.com\s+aws\s+us-east-1a\n\nInstance groups\nNAME\s+ROLE/);
    expect(table.stdout.match(/^(control-plane-us-east-1a|extra|nodes-us-east-1a)\s/gm)).toHaveLength(3);
    const yaml = await run('get', 'all', '--name', NAME, '-o', 'yaml');
    expect(parseAllDocuments(yaml.stdout).map((d) => (d.toJS() as { kind: string }).kind)).toEqual(['Cluster', 'InstanceGroup', 'InstanceGroup', 'InstanceGroup']);
    const json = JSON.parse((await run('get', 'all', NAME, '-o', 'json')).stdout) as { kind: string; items: { metadata: { name: string } }[] };
    expect(json.kind).toBe('List');
    expect(json.items.map((i) => i.metadata.name)).toEqual([NAME, 'control-plane-us-east-1a', 'extra', 'nodes-us-east-1a']);
    const missing = await run('get', 'all', 'none.example.com');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cluster none.example.com not found');
  });
});

describe('delete -f', () => {
  it('removes the instance groups of a file as one revision, after saying what it would do', async () => {
    const file = join(dir.path, 'extra.yaml');
    await writeFile(file, (await run('get', 'instancegroups', 'extra', '--name', NAME, '-o', 'yaml')).stdout);
    const before = await treeDigest(join(dir.path, 'state'));
    const preview = await run('delete', '-f', file);
    expect(preview.stdout).toBe(`InstanceGroup(s) extra would be removed from the spec of ${NAME}.\nRun again with --yes to remove them.\n`);
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);
    const deleted = await run('delete', '-f', file, '--yes');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`instancegroup/extra deleted from the spec of ${NAME} (revision 3)`);
    const left = JSON.parse((await run('get', 'instancegroups', '--name', NAME, '-o', 'json')).stdout) as { items: { metadata: { name: string } }[] };
    expect(left.items.map((i) => i.metadata.name)).toEqual(['control-plane-us-east-1a', 'nodes-us-east-1a']);
    expect((await run('history', 'cluster', NAME)).stdout).toMatch(/^3\s.*delete -f/m);
  });

  it('refuses a file that names a missing group, deleting nothing', async () => {
    const file = join(dir.path, 'two.yaml');
    const yaml = (await run('get', 'instancegroups', 'extra', '--name', NAME, '-o', 'yaml')).stdout;
    await writeFile(file, `${yaml}---\n${yaml.replaceAll('name: extra', 'name: ghost')}`);
    const before = await treeDigest(join(dir.path, 'state'));
    const r = await run('delete', '-f', file, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`instance group ghost (in ${file}) not found in cluster ${NAME}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);
    const bare = await run('delete');
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('nothing to delete given');
    const stray = await run('delete', '-f', file, '--force');
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain('--force');
  });

  it('leaves --yes to the subcommands: delete instancegroup and delete cluster --unregister still delete', async () => {
    const ig = await run('delete', 'instancegroup', 'extra', '--name', NAME, '--yes');
    expect(ig.stdout).toContain('instancegroup/extra deleted from the spec');
    const gone = await run('delete', 'cluster', NAME, '--unregister', '--yes');
    expect(gone.code, gone.stderr).toBe(0);
    expect((await run('get', 'clusters', '-o', 'json')).stdout).not.toContain(NAME);
  });
});
