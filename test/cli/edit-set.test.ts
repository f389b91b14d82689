/**
 * `edit cluster|instancegroup --set path=value --unset path`: fields change without an editor,
 * as one validated revision; a bad path or value is refused with the flag or the field path, the
 * value and a fix, and the state store is left exactly as it was.
 */

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFields } from '../../src/cli/shared/set-fields.js';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

const NAME = 'set.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
const run = (...args: string[]) => hoist([...args, '--name', NAME], { env });
const spec = async (...what: string[]) => (JSON.parse((await run('get', ...what, '-o', 'json')).stdout) as { spec: Record<string, unknown> }).spec;

beforeEach(async () => {
  dir = await tempDir('hoist-edit-set-');
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: '', EDITOR: 'false', VISUAL: 'false' };
  expect((await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com'], { env })).code).toBe(0);
});
afterEach(async () => dir.cleanup());

describe('edit --set/--unset', () => {
  it('sets and unsets fields of a cluster and an instance group, each as one revision', async () => {
    const c = await run('edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.34.1', '--set', 'spec.sshAccess=[10.0.0.0/8, 192.168.0.0/16]', '--unset', 'spec.kubernetesApiAccess');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toBe(`cluster/${NAME} edited (revision 2)\n`);
    const cluster = await spec('cluster', NAME);
    expect(cluster.kubernetesVersion).toBe('1.34.1');
    expect(cluster.sshAccess).toEqual(['10.0.0.0/8', '192.168.0.0/16']);
    expect(cluster).not.toHaveProperty('kubernetesApiAccess');

    const ig = await run('edit', 'instancegroup', 'nodes-us-east-1a', '--set', 'spec.maxSize=5', '--set', 'spec.minSize=3');
    expect(ig.code, ig.stderr).toBe(0);
    expect(await spec('instancegroups', 'nodes-us-east-1a')).toMatchObject({ minSize: 3, maxSize: 5 });
    expect((await run('history', 'cluster', NAME)).stdout).toMatch(/^3\s.*edit instancegroup nodes-us-east-1a --set spec\.maxSize=5/m);
    expect((await run('edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.34.1')).stdout).toBe('No changes.\n');
  });

  it('refuses bad paths and values with the flag or field, the value and a fix, changing nothing', async () => {
    const before = await treeDigest(join(dir.path, 'state'));
    const cases: [string[], RegExp][] = [
      [['edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion'], /--set: "spec\.kubernetesVersion" has no value \(write path=value/],
      [['edit', 'cluster', NAME, '--set', 'metadata.name=x'], /--set: "metadata\.name=x" names a field outside spec/],
      [['edit', 'cluster', NAME, '--set', 'spec..x=1'], /is not a field path/],
      [['edit', 'cluster', NAME, '--unset', 'spec.nope'], /--unset: "spec\.nope" is not set/],
      [['edit', 'cluster', NAME, '--set', 'spec.subnets[5].cidr=10.0.0.0/24'], /index 5 is past the end of a list of 1/],
      [['edit', 'cluster', NAME, '--set', 'spec.subnets[0].cidr=10.0.300.0/24'], /spec\.subnets\[0\]\.cidr: "10\.0\.300\.0\/24"/],
      [['edit', 'cluster', NAME, '--set', 'spec.noSuchField=1'], /noSuchField/],
      [['edit', 'instancegroup', 'nodes-us-east-1a', '--set', 'spec.minSize=-1'], /minSize/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);
  });

  it('create cluster takes them too, on the new Cluster', async () => {
    const r = await hoist(['create', 'cluster', 'new.example.com', '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com', '--set', 'spec.sshAccess=[10.0.0.0/8]', '--unset', 'spec.kubernetesApiAccess', '--dry-run', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const cluster = (JSON.parse(r.stdout) as { items: { kind: string; spec: Record<string, unknown> }[] }).items[0]!;
    expect(cluster.kind).toBe('Cluster');
    expect(cluster.spec.sshAccess).toEqual(['10.0.0.0/8']);
    expect(cluster.spec).not.toHaveProperty('kubernetesApiAccess');
    const before = await treeDigest(join(dir.path, 'state'));
    const bad = await hoist(['create', 'cluster', 'new.example.com', '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com', '--set', 'spec.sshAccess=[not-a-cidr]'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/spec\.sshAccess\[0\]: "not-a-cidr"/);
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);
  });

  it('never changes the object it is given', () => {
    const input = { spec: { a: [1, 2], b: { c: 'x' }, v: '1.0' } };
    const copy = structuredClone(input);
    const out = setFields(input, ['spec.a[2]=3', 'spec.b.c=y', 'spec.d.e=true', 'spec.v=1.35'], ['spec.a[0]']);
    expect(input).toEqual(copy);
    // A field that holds text keeps text: 1.35 is not the number 1.35.
    expect(out).toEqual({ spec: { a: [2, 3], b: { c: 'y' }, v: '1.35', d: { e: true } } });
  });
});
