/**
 * An AWS account of its own on moto for each test: moto maps an access key to the account of
 * the IAM user it belongs to, so a test makes a user in a fresh account (through moto's account
 * header, from test code only) and then runs hoist with that user's keys. Tests never see each
 * other's objects, and counts of API calls see only their own.
 */

import { randomBytes, randomInt } from 'node:crypto';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Pluggable } from '@smithy/types';
import { expect } from 'vitest';
import { motoUrl } from '../support/moto.js';

export { useAssetMirror } from '../support/asset-mirror.js';

export interface TestAccount {
  readonly accountId: string;
  /** AWS_* variables that point hoist at moto as this account. */
  readonly env: Record<string, string>;
  /** A bucket of the account for the state store. */
  readonly bucket: string;
  readonly clients: {
    readonly ec2: EC2Client;
    readonly autoscaling: AutoScalingClient;
    readonly elbv2: ElasticLoadBalancingV2Client;
    readonly iam: IAMClient;
    readonly route53: Route53Client;
    readonly s3: S3Client;
  };
  close(): void;
}

/** A plugin that sends moto's account header: for test code only. */
export function motoAccountPlugin(accountId: string): Pluggable<object, object> {
  return {
    applyToStack(stack) {
      stack.add(
        (next) => async (args) => {
          const request = (args as { request?: { headers?: Record<string, string> } }).request;
          if (request?.headers) request.headers['x-moto-account-id'] = accountId;
          return next(args);
        },
        { step: 'build', name: 'motoAccount' },
      );
    },
  };
}

export async function testAccount(): Promise<TestAccount> {
  const endpoint = motoUrl();
  const accountId = String(randomInt(100_000_000_000, 999_999_999_999));
  const base = { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const admin = new IAMClient(base);
  admin.middlewareStack.use(motoAccountPlugin(accountId) as never);
  const user = `hoist-test-${randomBytes(3).toString('hex')}`;
  await admin.send(new CreateUserCommand({ UserName: user }));
  const key = (await admin.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
  admin.destroy();
  const credentials = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  const config = { region: 'us-east-1', endpoint, credentials };
  const clients = {
    ec2: new EC2Client(config),
    autoscaling: new AutoScalingClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    iam: new IAMClient(config),
    route53: new Route53Client(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
  const bucket = `hoist-aws-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    accountId,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'us-east-1' },
    bucket,
    clients,
    close: () => Object.values(clients).forEach((c) => c.destroy()),
  };
}

type Run = (args: string[], stdin?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Applies the cluster's spec, then checks that a second plan has nothing to change; the apply's output. */
export async function applyThenNoChanges(run: Run, cluster: string): Promise<string> {
  const applied = await run(['update', 'cluster', cluster, '--yes']);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  const again = await run(['update', 'cluster', cluster]);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toContain('No changes: the cloud matches the spec');
  return applied.stdout;
}
