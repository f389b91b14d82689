/**
 * The AWS SDK's shape modules, rewritten by src/build/static-schema-keys.mjs so that esbuild can
 * drop the shapes no command reaches: every client the CLI bundles describes exactly the same
 * shapes through it (each export compared with the original's, thunks followed), and a bundle of
 * a few EC2 commands keeps their shapes and loses the others.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script in JavaScript, without type declarations.
import { staticSchemaKeys } from '../../src/build/static-schema-keys.mjs';
import { ROOT } from '../support/cli.js';

const CLIENTS = ['client-ec2', 'client-iam', 'client-auto-scaling', 'client-elastic-load-balancing-v2', 'client-route-53', 'client-s3', 'client-sts'];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-schema-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function bundle(name: string, contents: string, plugins: Plugin[]): Promise<{ file: string; text: string }> {
  const file = join(dir, `${name}.mjs`);
  const result = await build({ absWorkingDir: ROOT, stdin: { contents, resolveDir: ROOT, loader: 'js' }, outfile: file, write: true, bundle: true, format: 'esm', platform: 'node', target: 'node20', mainFields: ['module', 'main'], logLevel: 'silent', metafile: false, plugins });
  expect(result.errors).toEqual([]);
  const { readFile } = await import('node:fs/promises');
  return { file, text: await readFile(file, 'utf8') };
}

/** Equal shapes: arrays and objects member by member, a thunk by what it returns (each pair once). */
function sameShape(a: unknown, b: unknown, seen = new Set<unknown>()): boolean {
  if (typeof a === 'function' && typeof b === 'function') {
    if (seen.has(a)) return true;
    seen.add(a);
    return sameShape((a as () => unknown)(), (b as () => unknown)(), seen);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameShape(x, b[i], seen));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameShape((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], seen));
  }
  return Object.is(a, b);
}

describe('the SDK shapes with static keys', () => {
  it.each(CLIENTS)('describes every shape of @aws-sdk/%s as the original does', async (client) => {
    const entry = `export * from '@aws-sdk/${client}/dist-es/schemas/schemas_0.js';`;
    const original = (await import(pathToFileURL((await bundle(`${client}-original`, entry, [])).file).href)) as Record<string, unknown>;
    const rewritten = (await import(pathToFileURL((await bundle(`${client}-static`, entry, [staticSchemaKeys() as Plugin])).file).href)) as Record<string, unknown>;
    const names = Object.keys(original).filter((n) => n.endsWith('$'));
    expect(names.length).toBeGreaterThan(10);
    expect(Object.keys(rewritten).sort()).toEqual(Object.keys(original).sort());
    for (const name of names) expect(sameShape(rewritten[name], original[name]), name).toBe(true);
  });

  it('keeps the shapes of the commands a bundle uses and drops the others', async () => {
    const entry = "export { DescribeVpcsCommand, CreateLaunchTemplateVersionCommand } from '@aws-sdk/client-ec2';";
    const before = await bundle('ec2-before', entry, []);
    const after = await bundle('ec2-after', entry, [staticSchemaKeys() as Plugin]);
    for (const text of [before.text, after.text]) expect(text).toMatch(/var DescribeVpcsRequest\$ =|var CreateLaunchTemplateVersionRequest\$ =/);
    // A shape of a command neither uses.
    expect(before.text).toContain('AcceptAddressTransferRequest$');
    expect(after.text).not.toContain('AcceptAddressTransferRequest$');
    expect(after.text.length).toBeLessThan(before.text.length / 2);
  });
});
