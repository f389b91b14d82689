/**
 * What AWS machines boot with, on moto through the CLI: `update cluster --yes` publishes the
 * nodeup bundle into the state store once (a second apply writes nothing), every launch
 * template's user data is the gzip'd boot script pinning that bundle's state-store URL and
 * sha256 (and moto's Auto Scaling groups launch from it), node roles may read the bundle, a new
 * bundle makes new launch template versions, and `delete cluster` removes the bundles with the
 * cluster's other objects. Without a built bundle, plans are refused with the fix.
 */

import { createHash } from 'node:crypto';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_RUNTIME } from '../../src/assets/node-runtime.js';
import { USER_DATA_LIMIT } from '../../cloudup/aws/model/user-data.js';
import { ROOT, hoist, tempDir } from '../support/cli.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'boot.aws.example.com';
const GROUPS = [`control-plane-us-east-1a.${NAME}`, `nodes-us-east-1a.${NAME}`];
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let bundle: string;

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const sha256 = (body: Uint8Array) => createHash('sha256').update(body).digest('hex');
const bundleKey = (hash: string) => `clusters/${NAME}/nodeup/${hash}/nodeup.mjs`;

async function bundleKeys(): Promise<string[]> {
  const listed = await account.clients.s3.send(new ListObjectsV2Command({ Bucket: account.bucket, Prefix: `clusters/${NAME}/nodeup/` }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

/** Each group's latest launch template version: its number and its user data as EC2 holds it (base64 decoded). */
async function latestTemplates(): Promise<Map<string, { version: number; userData: Buffer }>> {
  const out = new Map<string, { version: number; userData: Buffer }>();
  for (const name of GROUPS) {
    const v = (await account.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: name, Versions: ['$Latest'] }))).LaunchTemplateVersions![0]!;
    out.set(name, { version: v.VersionNumber!, userData: Buffer.from(v.LaunchTemplateData!.UserData!, 'base64') });
  }
  return out;
}

beforeAll(async () => {
  account = await testAccount();
  Object.assign(process.env, account.env);
  dir = await tempDir('hoist-aws-boot-');
  // A copy of this build's bundle, so that a rebuild of dist/ while the test runs changes nothing here.
  const built = join(ROOT, 'dist', 'nodeup.mjs');
  await stat(built).catch(() => {
    throw new Error(`${built} is missing: run npm run build first`);
  });
  bundle = join(dir.path, 'nodeup.mjs');
  await copyFile(built, bundle);
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '', HOIST_NODEUP_BUNDLE: bundle };
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--topology', 'public', '--node-count', '1']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
});

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('the boot path of an AWS cluster', () => {
  it('refuses to plan or apply without a built bundle, naming the fix, and leaves the store as it was', async () => {
    const objects = async () => (await account.clients.s3.send(new ListObjectsV2Command({ Bucket: account.bucket, Prefix: `clusters/${NAME}/` }))).Contents?.map((o) => `${o.Key} ${o.ETag}`);
    const before = await objects();
    const missing = join(dir.path, 'never-built', 'nodeup.mjs');
    for (const args of [['update', 'cluster', NAME], ['update', 'cluster', NAME, '--yes']]) {
      const refused = await hoist(args, { env: { ...env, HOIST_NODEUP_BUNDLE: missing } });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `error: the nodeup bundle ${missing} is missing: every machine of a cluster downloads it at boot, so hoist cannot plan one without it\n` +
          'hint: build it with: npm run build (or set HOIST_NODEUP_BUNDLE to a built nodeup.mjs)\n',
      );
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await objects()).toEqual(before);
  });

  it('publishes the nodeup bundle once and launches from the gzip\'d boot script that pins it', async () => {
    const hash = sha256(await readFile(bundle));
    const plan = await run(['update', 'cluster', NAME]);
    expect(plan.code, plan.stderr).toBe(0);
    // The plan shows the script as text, with the bundle it pins; nothing is published by a plan.
    expect(plan.stdout).toContain(`NODEUP_SHA256=${hash}`);
    expect(await bundleKeys()).toEqual([]);

    const applied = await run(['update', 'cluster', NAME, '--yes', '-v']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain(`published the nodeup bundle to ${NAME}/nodeup/${hash}/nodeup.mjs`);
    expect(await bundleKeys()).toEqual([bundleKey(hash)]);
    const stored = await account.clients.s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: bundleKey(hash) }));
    expect(sha256(await stored.Body!.transformToByteArray())).toBe(hash);

    for (const [name, t] of await latestTemplates()) {
      expect([...t.userData.subarray(0, 2)], name).toEqual([0x1f, 0x8b]);
      expect(t.userData.length).toBeLessThanOrEqual(USER_DATA_LIMIT);
      const script = gunzipSync(t.userData).toString('utf8');
      expect(script.startsWith('#!/bin/bash\n')).toBe(true);
      expect(script).toContain(`NODEUP_URL='s3://${account.bucket}/${bundleKey(hash)}'`);
      expect(script).toContain(`NODEUP_SHA256=${hash}`);
      expect(script).toContain(`NODE_SHA256=${NODE_RUNTIME.sha256}`);
      expect(script).toContain(`INSTANCE_GROUP='${name.slice(0, -`.${NAME}`.length)}'`);
    }
    // moto's groups launched their machines from it.
    const asgs = (await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: GROUPS }))).AutoScalingGroups!;
    expect(asgs.map((g) => g.Instances?.length ?? 0)).toEqual([1, 1]);

    const role = `nodes-us-east-1a.${NAME}`;
    const policy = JSON.parse(decodeURIComponent((await account.clients.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: role }))).PolicyDocument!)) as { Statement: { Sid: string; Resource: string[] }[] };
    expect(policy.Statement.find((s) => s.Sid === 'StateStoreRead')?.Resource).toContain(`arn:aws:s3:::${account.bucket}/clusters/${NAME}/nodeup/*`);
  });

  it('writes nothing on a second apply', async () => {
    const before = await account.clients.s3.send(new HeadObjectCommand({ Bucket: account.bucket, Key: bundleKey(sha256(await readFile(bundle))) }));
    const again = await run(['update', 'cluster', NAME, '--yes', '-v']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/the nodeup bundle sha256:[0-9a-f]{64} is already in the state store/);
    expect(again.stderr).not.toContain('published the nodeup bundle');
    expect(again.stdout).toContain('No changes');
    const after = await account.clients.s3.send(new HeadObjectCommand({ Bucket: account.bucket, Key: bundleKey(sha256(await readFile(bundle))) }));
    expect([after.ETag, after.LastModified]).toEqual([before.ETag, before.LastModified]);
  });

  it('makes a new launch template version for a new bundle, and delete cluster removes the bundles', async () => {
    const old = sha256(await readFile(bundle));
    const versions = await latestTemplates();
    await writeFile(bundle, `${(await readFile(bundle, 'utf8'))}// another build\n`);
    const hash = sha256(await readFile(bundle));
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await bundleKeys()).toEqual([bundleKey(old), bundleKey(hash)].sort());
    for (const [name, t] of await latestTemplates()) {
      expect(t.version).toBe(versions.get(name)!.version + 1);
      expect(gunzipSync(t.userData).toString('utf8')).toContain(`NODEUP_SHA256=${hash}`);
    }
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await bundleKeys()).toEqual([]);
  });
});
