/**
 * moto, the AWS emulator the AWS code and the s3:// store are tested against.
 *
 * The global setup (global-setup.ts) starts one moto_server for the whole run, or uses
 * HOIST_TEST_MOTO_URL when CI already started one; tests get its URL, an environment that points the AWS SDK at it, and
 * a fresh bucket each, so tests never see each other's objects.
 */

import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    motoUrl: string;
  }
}

const MOTO_VERSION = '5.2.1';
const INSTALL_HINT = `the AWS tests need moto ${MOTO_VERSION}: pip install 'moto[server]==${MOTO_VERSION}'`;

/** The URL of the moto server of this test run. */
export function motoUrl(): string {
  const url = process.env['HOIST_TEST_MOTO_URL'] ?? inject('motoUrl');
  if (!url) throw new Error(`no moto server: run the tests with vitest (its global setup starts one); ${INSTALL_HINT}`);
  return url;
}

// A type alias, not an interface, so that it also passes as a plain string record (env).
export type MotoEnv = {
  readonly AWS_ENDPOINT_URL: string;
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
  readonly AWS_REGION: string;
};

/** Environment variables that point the AWS SDK (in this process or a child) at moto. */
export function motoEnv(): MotoEnv {
  return {
    AWS_ENDPOINT_URL: motoUrl(),
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  };
}

/** Creates a bucket with a name no other test uses, and returns its name. */
export async function createTestBucket(prefix = 'hoist-test'): Promise<string> {
  const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
  const env = motoEnv();
  const client = new S3Client({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  const name = `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`.toLowerCase();
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    client.destroy();
  }
  return name;
}
