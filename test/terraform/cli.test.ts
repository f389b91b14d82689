/**
 * `update cluster --target terraform` through the CLI, with the state store in a folder: the
 * flags it needs and refuses, clouds it does not render, and a store Terraform cannot write to
 * (hoist writes the nodes' objects itself, and the module has no state-store objects).
 */

import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAssetMirror } from '../aws/support.js';
import { hoist, tempDir } from '../support/cli.js';

const NAME = 'files.aws.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });

beforeAll(async () => {
  dir = await tempDir('hoist-terraform-cli-');
  env = { HOIST_STATE_STORE: `file://${join(dir.path, 'state')}`, HOIST_CLUSTER_NAME: '', HOIST_LOCAL_CLOUD_DIR: join(dir.path, 'local-cloud') };
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--topology', 'public', '--dns-zone', 'example.com']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const local = await run(['create', 'cluster', 'demo.k8s.local']);
  expect(local.code, local.stderr).toBe(0);
});

afterAll(async () => {
  await dir?.cleanup();
});

describe('update cluster --target terraform', () => {
  it('needs --out, and refuses flags that belong to the direct target', async () => {
    const noOut = await run(['update', 'cluster', NAME, '--target', 'terraform']);
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain('--target terraform needs --out DIR');
    const saved = await run(['update', 'cluster', NAME, '--target', 'terraform', '--out', join(dir.path, 'x'), '--save-plan', join(dir.path, 'plan.json')]);
    expect(saved.code).toBe(1);
    expect(saved.stderr).toContain('--save-plan cannot be used with --target terraform');
    const outAlone = await run(['update', 'cluster', NAME, '--out', join(dir.path, 'x')]);
    expect(outAlone.code).toBe(1);
    expect(outAlone.stderr).toContain('--out is the folder of --target terraform');
    const unknown = await run(['update', 'cluster', NAME, '--target', 'pulumi']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--target');
    expect(existsSync(join(dir.path, 'x'))).toBe(false);
  });

  it('renders AWS clusters only', async () => {
    const local = await run(['update', 'cluster', 'demo.k8s.local', '--target', 'terraform', '--out', join(dir.path, 'local')]);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('--target terraform supports clusters on aws; demo.k8s.local runs on local');
  });

  it('with a store Terraform cannot reach, writes the nodes objects itself and leaves them out of the module', async () => {
    const out = join(dir.path, 'module');
    const written = await run(['update', 'cluster', NAME, '--target', 'terraform', '--out', out, '-o', 'json']);
    expect(written.code, written.stderr).toBe(0);
    const result = JSON.parse(written.stdout) as { out: string; files: string[]; storeObjects: boolean };
    expect(result).toMatchObject({ out, storeObjects: false });
    const module = JSON.parse(await readFile(join(out, 'kubernetes.tf.json'), 'utf8')) as { resource: Record<string, unknown>; provider: { aws: unknown[] } };
    expect(module.resource['aws_s3_object']).toBeUndefined();
    expect(module.provider.aws).toHaveLength(1);
    const state = join(dir.path, 'state', NAME);
    expect(existsSync(join(state, 'cluster-completed.spec'))).toBe(true);
    expect((await readdir(join(state, 'igconfig'))).sort()).toEqual(['control-plane-us-east-1a', 'nodes-us-east-1a']);
    expect(existsSync(join(state, 'pki'))).toBe(true);
    // The addon channel is published as a direct apply publishes it, whichever target made the machines.
    const channel = parse(await readFile(join(state, 'addons', 'channel.yaml'), 'utf8')) as { addons: { name: string; sha256: string }[] };
    expect(channel.addons.map((a) => a.name)).toEqual(expect.arrayContaining(['core', 'coredns', 'flannel', 'aws-cloud-controller-manager', 'aws-ebs-csi-driver']));
    for (const a of channel.addons) expect(existsSync(join(state, 'addons', a.name, `${a.sha256}.yaml`)), a.name).toBe(true);
  });

  it('writes the same module again, and only it', async () => {
    const out = join(dir.path, 'module');
    const before = await readFile(join(out, 'kubernetes.tf.json'), 'utf8');
    // As a removed instance group's user data would be.
    await writeFile(join(out, 'data', 'aws_launch_template_gone.files.aws.example.com_user_data'), 'old');
    const again = await run(['update', 'cluster', NAME, '--target', 'terraform', '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`cd ${out} && terraform init && terraform apply`);
    expect(await readFile(join(out, 'kubernetes.tf.json'), 'utf8')).toBe(before);
    expect(existsSync(join(out, 'data', 'aws_launch_template_gone.files.aws.example.com_user_data'))).toBe(false);
  });
});
