/** What only the s3:// backend has: paging, prefixes inside a bucket, S3's errors, request counts. */

import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { S3Store } from '../../state-store/backends/s3.js';
import { createTestBucket, motoEnv } from '../support/moto.js';

const stores: S3Store[] = [];

function s3Store(bucket: string, options: { prefix?: string; pageSize?: number; env?: Record<string, string> } = {}): S3Store {
  const store = new S3Store({ bucket, env: options.env ?? motoEnv(), prefix: options.prefix, pageSize: options.pageSize });
  stores.push(store);
  return store;
}

async function putMany(store: S3Store, keys: readonly string[], concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      await store.put(key, key);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 1;
}

describe('s3:// store on moto', () => {
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
  });

  it('pages through more than 1,000 keys', async () => {
    const store = s3Store(await createTestBucket());
    const keys = Array.from({ length: 1_001 }, (_, i) => `c/history/${String(i).padStart(8, '0')}`);
    await putMany(store, keys);
    await store.put('other/config', 'x');
    const before = store.stats.requests;
    expect(await store.list('c/')).toEqual(keys);
    expect(store.stats.requests - before).toBe(2);
  });

  it('follows continuation tokens page by page', async () => {
    const store = s3Store(await createTestBucket(), { pageSize: 3 });
    const keys = Array.from({ length: 10 }, (_, i) => `c/ig/${i}`);
    await putMany(store, keys);
    const before = store.stats.requests;
    expect(await store.list('c/ig/')).toEqual(keys);
    expect(store.stats.requests - before).toBe(4);
  });

  it('keeps to its prefix inside the bucket and hides keys no other backend could hold', async () => {
    const bucket = await createTestBucket();
    const root = s3Store(bucket);
    await root.put('team-a/c/config', 'a');
    await root.put('team-b/c/config', 'b');
    const raw = s3Store(bucket, { prefix: 'team-a' });
    expect(raw.url).toBe(`s3://${bucket}/team-a`);
    expect(await raw.list('')).toEqual(['c/config']);
    expect(new TextDecoder().decode((await raw.get('c/config'))?.body)).toBe('a');
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const env = motoEnv();
    const client = new S3Client({
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL,
      forcePathStyle: true,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'team-a/c//odd', Body: 'x' }));
    client.destroy();
    expect(await raw.list('c/')).toEqual(['c/config']);
  });

  it('counts its requests', async () => {
    const store = s3Store(await createTestBucket());
    const before = store.stats.requests;
    await store.put('k', 'v');
    await store.get('k');
    await store.get('missing');
    await store.delete('k');
    expect(store.stats.requests - before).toBe(4);
  });

  it('names a missing bucket and says how to create it', async () => {
    const store = s3Store('hoist-no-such-bucket-4f2a');
    for (const op of [() => store.get('c/config'), () => store.put('c/config', 'x'), () => store.list('c/')]) {
      await expect(op()).rejects.toMatchObject({
        code: 'STORE',
        message: expect.stringContaining('"hoist-no-such-bucket-4f2a" does not exist'),
        hint: 'create it with: aws s3 mb s3://hoist-no-such-bucket-4f2a',
      });
    }
  });

  it('turns network errors into STORE errors that keep their cause', async () => {
    const env = { ...motoEnv(), AWS_ENDPOINT_URL: `http://127.0.0.1:${await closedPort()}` };
    const store = s3Store('any-bucket', { env });
    const error = await store.get('c/config').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE', message: expect.stringContaining('cannot read "c/config" in s3://any-bucket') });
    expect((error as Error).cause).toBeDefined();
  });
});
