/**
 * A broken user addon (spec.addons) is refused when the cluster is planned, through the command
 * line: exit 1, the field, the file, the document and the reason, no stack without -v, and the
 * state store byte-for-byte what it was, with --yes too. The manifest is read before the cloud is
 * opened, so no local cloud is started for these.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

const NAME = 'user-addons.k8s.local';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let state: string;

beforeAll(async () => {
  dir = await tempDir('hoist-user-addons-');
  state = join(dir.path, 'state');
  // A local cloud folder of its own that nothing starts: the refusal comes before the cloud.
  env = { HOIST_STATE_STORE: `file://${state}`, HOIST_CLUSTER_NAME: '', HOIST_LOCAL_CLOUD_DIR: join(dir.path, 'cloud') };
  const r = await hoist(['create', 'cluster', NAME], { env });
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => dir.cleanup());

/** Stores the cluster with spec.addons naming `file`, and returns the store's digest after. */
async function useAddon(url: string): Promise<string> {
  const yaml = (await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env })).stdout;
  expect(yaml).toContain('  cloudProvider: local');
  const withAddon = yaml.replace(/\n {2}addons:\n(?: {4}.*\n)+/, '\n').replace('  cloudProvider: local', `  addons:\n    - manifest: ${url}\n  cloudProvider: local`);
  const replaced = await hoist(['replace', '-f', '-'], { env, stdin: withAddon });
  expect(replaced.code, replaced.stderr).toBe(0);
  return treeDigest(state);
}

async function expectRefused(url: string, reason: RegExp): Promise<void> {
  const digest = await useAddon(url);
  for (const args of [['update', 'cluster', NAME], ['update', 'cluster', NAME, '--yes']]) {
    const r = await hoist(args, { env });
    expect(r.code, `${args.join(' ')}:\n${r.stdout}${r.stderr}`).toBe(1);
    expect(r.stderr).toContain(`spec.addons[0].manifest: ${JSON.stringify(url)}`);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stdout).toBe('');
    expect(await treeDigest(state)).toBe(digest);
  }
}

describe('a broken user addon', () => {
  it('a document without metadata.name: the file, the document and what is missing', async () => {
    const file = join(dir.path, 'no-name.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fine\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: fine\ndata: {}\n');
    await expectRefused(pathToFileURL(file).href, /document 2 \(ConfigMap\): has no metadata\.name \(fix the file/);
  });

  it('a document that is not YAML: the file, the document and the parser\'s reason', async () => {
    const file = join(dir.path, 'bad-yaml.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fine\n---\napiVersion: v1\nkind: [ConfigMap\n');
    await expectRefused(pathToFileURL(file).href, /document 2: is not valid YAML: /);
  });

  it('a list instead of an object, and a file with no apiVersion or kind', async () => {
    const list = join(dir.path, 'list.yaml');
    await writeFile(list, '- apiVersion: v1\n');
    await expectRefused(pathToFileURL(list).href, /document 1: is not a Kubernetes object/);
    const bare = join(dir.path, 'bare.yaml');
    await writeFile(bare, 'metadata:\n  name: x\n');
    await expectRefused(pathToFileURL(bare).href, /document 1: has no apiVersion, kind/);
  });

  it('a file that does not exist, and a scheme hoist does not read', async () => {
    await expectRefused(pathToFileURL(join(dir.path, 'missing.yaml')).href, /cannot be read: ENOENT/);
    await expectRefused('ftp://example.com/addon.yaml', /cannot be read: only file:\/\/, s3:\/\/ and https:\/\/ URLs are read/);
  });
});
