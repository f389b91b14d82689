/**
 * What only the gs:// backend has: requests as the GCS JSON API takes them (multipart uploads,
 * generation preconditions, pages), ETags that follow the bytes (not the generation), a prefix
 * inside the bucket, GCS's errors, and the endpoint and credential settings.
 */

import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsStore } from '../../state-store/backends/gcs.js';
import { PreconditionFailedError } from '../../state-store/object-store.js';
import { openStore } from '../../state-store/open.js';
import { createTestBucket, gcsEnv } from '../support/fake-gcs/env.js';
import { FakeGcs } from '../support/fake-gcs/server.js';

let fake: FakeGcs;

beforeAll(async () => {
  fake = await FakeGcs.start();
});
afterAll(async () => {
  await fake?.stop();
});

function gcsStore(bucket: string, options: { prefix?: string; pageSize?: number; env?: Record<string, string>; retry?: boolean } = {}): GcsStore {
  return new GcsStore({ bucket, env: options.env ?? gcsEnv(fake), prefix: options.prefix, pageSize: options.pageSize, retry: options.retry });
}

/** The requests made by `run`, as `METHOD path?query-keys`. */
async function requestsOf(run: () => Promise<unknown>): Promise<string[]> {
  const before = fake.requests.length;
  await run();
  return fake.requests.slice(before).map((r) => `${r.method} ${r.path} ${Object.keys(r.query).sort().join(',')}`.trim());
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 1;
}

describe('gs:// store on the fake GCS', () => {
  it('writes with one multipart upload, conditional on generation 0 to create, and reads with one media download', async () => {
    const bucket = createTestBucket(fake);
    const store = gcsStore(bucket, { prefix: 'team' });
    expect(store.url).toBe(`gs://${bucket}/team`);
    const create = await requestsOf(() => store.put('c/config', 'kind: Cluster\n', { ifNoneMatch: '*' }));
    expect(create).toEqual([`POST /upload/storage/v1/b/${bucket}/o ifGenerationMatch,name,uploadType`]);
    const upload = fake.requests.at(-1)!;
    expect(upload.query).toMatchObject({ uploadType: 'multipart', name: 'team/c/config', ifGenerationMatch: '0' });
    expect(await requestsOf(() => store.get('c/config'))).toEqual([`GET /storage/v1/b/${bucket}/o/team/c/config alt`]);
    expect(fake.object(bucket, 'team/c/config')?.toString()).toBe('kind: Cluster\n');
  });

  it('replaces on the generation it last saw with one request, and checks the bytes first when it saw none', async () => {
    const bucket = createTestBucket(fake);
    const store = gcsStore(bucket);
    const { etag } = await store.put('spec', 'v1');
    const generation = fake.buckets.objects(bucket).get('spec')!.generation;
    expect(await requestsOf(() => store.put('spec', 'v2', { ifMatch: etag }))).toHaveLength(1);
    expect(fake.requests.at(-1)?.query['ifGenerationMatch']).toBe(String(generation));

    // Another process's store has seen no generation: it reads the metadata, then writes on it.
    const other = gcsStore(bucket);
    const v2 = fake.buckets.objects(bucket).get('spec')!;
    const { etag: now } = (await store.get('spec'))!;
    expect(await requestsOf(() => other.put('spec', 'v3', { ifMatch: now }))).toEqual([
      `GET /storage/v1/b/${bucket}/o/spec`,
      `POST /upload/storage/v1/b/${bucket}/o ifGenerationMatch,name,uploadType`,
    ]);
    expect(fake.requests.at(-1)?.query['ifGenerationMatch']).toBe(String(v2.generation));
  });

  it('gives the same bytes the same ETag in every generation, so a rewrite of the same bytes matches a reader that holds the old one', async () => {
    const store = gcsStore(createTestBucket(fake));
    const first = await store.put('k', 'same');
    const second = await store.put('k', 'same');
    expect(second.etag).toBe(first.etag);
    expect(first.etag).toBe(`"${createHash('md5').update('same').digest('hex')}"`);
    await store.put('k', 'changed', { ifMatch: first.etag });
    await expect(store.put('k', 'again', { ifMatch: first.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.listWithEtags('')).map((o) => o.etag)).toEqual([(await store.get('k'))!.etag]);
  });

  it('pages through a listing with pageToken and maxResults, inside its prefix, hiding keys no other backend could hold', async () => {
    const bucket = createTestBucket(fake);
    const root = gcsStore(bucket);
    const keys = Array.from({ length: 10 }, (_, i) => `c/ig/${i}`);
    for (const key of keys) await root.put(`team-a/${key}`, key);
    await root.put('team-b/c/config', 'b');
    fake.buckets.write(bucket, 'team-a/c//odd', Buffer.from('x'), 'text/plain', {});
    const store = gcsStore(bucket, { prefix: 'team-a', pageSize: 3 });
    const listing = await requestsOf(async () => expect(await store.list('c/')).toEqual(keys));
    expect(listing).toEqual([
      `GET /storage/v1/b/${bucket}/o maxResults,prefix`,
      ...Array.from({ length: 3 }, () => `GET /storage/v1/b/${bucket}/o maxResults,pageToken,prefix`),
    ]);
    expect(await store.list('')).toEqual(keys);
  });

  it('names a missing bucket and says how to create it', async () => {
    const store = gcsStore('hoist-no-such-bucket-4f2a');
    for (const op of [() => store.get('c/config'), () => store.put('c/config', 'x'), () => store.list('c/'), () => store.delete('c/config')]) {
      await expect(op()).rejects.toMatchObject({
        code: 'STORE',
        message: expect.stringContaining('"hoist-no-such-bucket-4f2a" does not exist'),
        hint: 'create it with: gcloud storage buckets create gs://hoist-no-such-bucket-4f2a --uniform-bucket-level-access',
      });
    }
  });

  it('says access is denied when GCS refuses the caller, and names the credentials to check', async () => {
    const bucket = createTestBucket(fake);
    fake.requireToken = 'ya29.only-this-one';
    try {
      await expect(gcsStore(bucket).get('c/config')).rejects.toMatchObject({
        code: 'STORE',
        message: `access denied to read "c/config" in gs://${bucket}`,
        hint: expect.stringContaining('Application Default Credentials'),
      });
    } finally {
      fake.requireToken = undefined;
    }
  });

  it('turns network errors into STORE errors that keep their cause and name the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = gcsStore('any-bucket', { env: { HOIST_GCS_ENDPOINT: endpoint, HOIST_GCS_AUTH: 'none' }, retry: false });
    const error = await store.list('c/').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE', message: expect.stringContaining('cannot list "c/" in gs://any-bucket'), hint: expect.stringContaining(`HOIST_GCS_ENDPOINT=${endpoint}`) });
    expect((error as Error).cause).toBeDefined();
  });

  it('reads again when the connection drops before the answer, unless retries are off', async () => {
    const bucket = createTestBucket(fake);
    await gcsStore(bucket).put('c/config', 'kind: Cluster\n');
    fake.dropNext = 1;
    const read = await gcsStore(bucket).get('c/config');
    expect(Buffer.from(read!.body).toString()).toBe('kind: Cluster\n');
    expect(fake.dropNext).toBe(0);
    fake.dropNext = 1;
    const error = await gcsStore(bucket, { retry: false }).get('c/config').catch((e: unknown) => e);
    fake.dropNext = 0;
    expect(error).toMatchObject({ code: 'STORE', message: expect.stringContaining('cannot read "c/config"') });
  });

  it.each([
    ['a bucket name with capitals', 'gs://My-Bucket', {}, 'does not name a valid GCS bucket ("My-Bucket")'],
    ['a folder that is not a key', 'gs://my-bucket/a//b', {}, 'has an invalid folder inside the bucket ("a//b")'],
    ['HOIST_GCS_AUTH=none without an endpoint', 'gs://my-bucket', { HOIST_GCS_AUTH: 'none' }, 'sends no credentials, which storage.googleapis.com refuses'],
    ['an unknown HOIST_GCS_AUTH', 'gs://my-bucket', { HOIST_GCS_AUTH: 'token' }, 'is not a way to authenticate to GCS'],
    ['an endpoint that is not a URL', 'gs://my-bucket', { HOIST_GCS_ENDPOINT: 'localhost:4443' }, 'is not an http(s) URL'],
  ])('refuses %s before any request', async (_what, url, env, message) => {
    const before = fake.requests.length;
    const error = await openStore(url, { env }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_FLAG' });
    expect((error as Error).message).toContain(message);
    expect(fake.requests.length).toBe(before);
  });
});
