/**
 * Bad specs, files and flags through the command line: each is refused with exit 1 and the field
 * path, and the state store is byte-for-byte what it was.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoist, hoistProcess, tempDir, treeDigest } from '../support/cli.js';

const corpusDir = join(import.meta.dirname, '../api/invalid');
const expected = JSON.parse(readFileSync(join(corpusDir, 'expected.json'), 'utf8')) as Record<string, { path: string; code: string }>;
const corpus = readdirSync(corpusDir).filter((f) => f.endsWith('.yaml')).sort();

let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let state: string;
let digest: string;

beforeAll(async () => {
  dir = await tempDir();
  state = join(dir.path, 'state');
  env = { HOIST_STATE_STORE: `file://${state}`, HOIST_CLUSTER_NAME: '' };
  // A store with a cluster in it, so "unchanged" covers existing objects too.
  const r = await hoist(['create', 'cluster', 'existing.example.com', '--cloud', 'aws', '--zones', 'us-east-1a'], { env });
  expect(r.code, r.stderr).toBe(0);
  digest = await treeDigest(state);
});
afterAll(async () => dir.cleanup());

async function expectRefused(args: readonly string[], path: string, stdin?: string): Promise<string> {
  const r = await hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
  expect(r.code, `${args.join(' ')} should fail:\n${r.stdout}${r.stderr}`).toBe(1);
  expect(r.stderr).toContain(path);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack without -v
  expect(await treeDigest(state)).toBe(digest);
  return r.stderr;
}

describe('the invalid spec corpus through create, apply and replace', () => {
  it.each(corpus)('%s', async (file) => {
    const want = expected[file]!;
    const path = want.path === '<source>' ? file : want.path;
    await expectRefused(['create', '-f', join(corpusDir, file)], path);
    await expectRefused(['apply', '-f', join(corpusDir, file)], path);
  });

  it('a file over 1 MiB', async () => {
    const big = join(dir.path, 'huge.yaml');
    await writeFile(big, `# ${'x'.repeat(1024 * 1024)}\n`);
    await expectRefused(['create', '-f', big], '--filename');
  });

  it('a missing file, a folder, and no file at all', async () => {
    await expectRefused(['create', '-f', join(dir.path, 'nope.yaml')], '--filename');
    await mkdir(join(dir.path, 'a-folder'), { recursive: true });
    await expectRefused(['apply', '-f', join(dir.path, 'a-folder')], '--filename');
    await expectRefused(['replace'], 'no spec file given');
  });

  it('bad YAML names the line and column', async () => {
    const stderr = await expectRefused(['create', '-f', '-'], '<stdin>', 'apiVersion: hoist.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: "x\n');
    expect(stderr).toMatch(/line \d+, column \d+/);
  });

  it('a stored cluster changed in a way that may not change', async () => {
    const yaml = (await hoist(['get', 'cluster', 'existing.example.com', '-o', 'yaml'], { env })).stdout;
    const changed = yaml.replace('networkCIDR: 172.20.0.0/16', 'networkCIDR: 10.0.0.0/16').replaceAll('172.20.', '10.0.');
    await expectRefused(['replace', '-f', '-'], 'spec.networkCIDR', changed);
    await expectRefused(['apply', '-f', '-'], 'spec.cloudProvider', yaml.replace('cloudProvider: aws', 'cloudProvider: gce'));
  });

  it('cloud labels AWS would refuse, given to a stored cluster by replace', async () => {
    const yaml = (await hoist(['get', 'cluster', 'existing.example.com', '-o', 'yaml'], { env })).stdout;
    const labels = Array.from({ length: 60 }, (_, i) => `    team-${i}: web`).join('\n');
    const stderr = await expectRefused(['replace', '-f', '-'], 'spec.cloudLabels', yaml.replace('  cloudProvider: aws', `  cloudLabels:\n${labels}\n  cloudProvider: aws`));
    expect(stderr).toContain('AWS allows 50 tags per resource');
    await expectRefused(['replace', '-f', '-'], 'spec.cloudLabels["aws:owner"]', yaml.replace('  cloudProvider: aws', '  cloudLabels:\n    aws:owner: me\n  cloudProvider: aws'));
  });
});

describe('bad flags', () => {
  const cases: [string, readonly string[], string][] = [
    ['a path-like cluster name', ['create', 'cluster', '../x'], 'cluster name'],
    ['a cluster name with a slash', ['create', 'cluster', 'a/b.example.com'], 'cluster name'],
    ['an upper-case cluster name', ['create', 'cluster', 'Demo.example.com'], 'cluster name'],
    ['an unknown cloud', ['create', 'cluster', 'c.example.com', '--cloud', 'azure'], '--cloud'],
    ['aws without zones', ['create', 'cluster', 'c.example.com', '--cloud', 'aws'], '--zones'],
    ['zones of two regions', ['create', 'cluster', 'c.example.com', '--cloud', 'aws', '--zones', 'us-east-1a,eu-west-1a'], '--zones'],
    ['an even control-plane count', ['create', 'cluster', 'c.example.com', '--control-plane-count', '2'], '--control-plane-count'],
    ['a negative node count', ['create', 'cluster', 'c.example.com', '--node-count', '-1'], '--node-count'],
    ['a node count that is not a number', ['create', 'cluster', 'c.example.com', '--node-count', 'three'], '--node-count'],
    ['a bad network CIDR', ['create', 'cluster', 'c.example.com', '--network-cidr', '10.0.300.0/16'], '--network-cidr'],
    ['an unknown topology', ['create', 'cluster', 'c.example.com', '--topology', 'hybrid'], '--topology'],
    ['an unsupported Kubernetes version', ['create', 'cluster', 'c.example.com', '--kubernetes-version', '1.12.0'], '--kubernetes-version'],
    ['gce without a project', ['create', 'cluster', 'c.example.com', '--cloud', 'gce', '--zones', 'us-central1-a'], '--project'],
    ['an unknown output format', ['get', 'clusters', '-o', 'xml'], '--output'],
    ['a missing ssh key file', ['create', 'cluster', 'c.example.com', '--ssh-public-key', '/nonexistent/key.pub'], '--ssh-public-key'],
    ['a bad instance group role', ['create', 'ig', 'x', '--name', 'existing.example.com', '--role', 'Master'], '--role'],
    ['an instance group in a missing subnet', ['create', 'ig', 'x', '--name', 'existing.example.com', '--subnets', 'nowhere'], 'subnets'],
    ['a path-like instance group name', ['create', 'ig', '../../x', '--name', 'existing.example.com'], 'metadata.name'],
    ['min above max', ['create', 'ig', 'x', '--name', 'existing.example.com', '--min-size', '5', '--max-size', '2'], 'minSize'],
    ['a history revision that is not a number', ['diff', 'cluster', 'existing.example.com', '--from', 'x'], '--from'],
    ['a revision that does not exist', ['rollback', 'cluster', 'existing.example.com', '--to', '99'], 'revision 99'],
  ];
  it.each(cases)('%s', async (_title, args, path) => {
    await expectRefused(args, path);
  });

  it('the real executable prints one message, exit 1, and the stack only with -v', async () => {
    const plain = await hoistProcess(['create', 'cluster', '../x'], { env });
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
    expect(plain.stderr).toMatch(/^error: /);
    const verbose = await hoistProcess(['create', 'cluster', '../x', '-v'], { env });
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at .+:\d+:\d+/);
    expect(await treeDigest(state)).toBe(digest);
  });
});
