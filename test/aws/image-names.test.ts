/**
 * kops's image names on AWS (`<owner>/<name>`, the owner an account id or one of kops's aliases):
 * a plan on moto looks the name up and the launch template carries the newest AMI of that name;
 * a name nothing answers is refused at the group's path with the lookup to run, before anything
 * is made; `--target terraform`, which asks AWS nothing, refuses a name with the same lookup.
 */

import { join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hoist, tempDir } from '../support/cli.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'images.aws.example.com';
/** moto's stock Canonical images include this one. */
const IMAGE_NAME = 'ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });

async function setImage(image: string): Promise<void> {
  const groups = JSON.parse((await run(['get', 'instancegroups', '--name', NAME, '-o', 'json'])).stdout) as { items: { spec: Record<string, unknown> }[] };
  const replaced = await run(['replace', '-f', '-'], groups.items.map((ig) => stringify({ ...ig, spec: { ...ig.spec, image } })).join('---\n'));
  expect(replaced.code, replaced.stderr).toBe(0);
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-images-');
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
}, 120_000);

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('image names on AWS', () => {
  it('looks an owner alias and name up when it plans, and launches the AMI it names', async () => {
    const images = await account.clients.ec2.send(new DescribeImagesCommand({ Owners: ['099720109477'], Filters: [{ Name: 'name', Values: [IMAGE_NAME] }] }));
    const expected = images.Images?.map((i) => i.ImageId);
    expect(expected).toHaveLength(1);
    await setImage(`ubuntu/${IMAGE_NAME}`);
    const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { changes: { id: string; changes?: { field: string; to?: unknown }[] }[] };
    const templates = plan.changes.filter((c) => c.id.startsWith('LaunchTemplate/'));
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) expect(JSON.stringify(t)).toContain(String(expected?.[0]));
  });

  it('refuses a name no image has, at the group\'s path, with the lookup to run', async () => {
    await setImage('099720109477/no-such-image-*');
    const planned = await run(['update', 'cluster', NAME, '--yes']);
    expect(planned.code).toBe(1);
    expect(planned.stderr).toContain('no image named no-such-image-* of owner 099720109477');
    expect(planned.stderr).toContain('spec.image');
    expect(planned.stderr).toContain("aws ec2 describe-images --owners 099720109477 --filters Name=name,Values='no-such-image-*'");
    expect(planned.stderr).not.toMatch(/\n\s+at /);
  });

  it('is refused by --target terraform, which asks AWS nothing, with the same lookup', async () => {
    await setImage(`ubuntu/${IMAGE_NAME}`);
    const rendered = await run(['update', 'cluster', NAME, '--target', 'terraform', '--out', join(dir.path, 'tf')]);
    expect(rendered.code).toBe(1);
    expect(rendered.stderr).toContain('--target terraform needs an AMI id');
    expect(rendered.stderr).toContain('aws ec2 describe-images --owners 099720109477');
  });
});
