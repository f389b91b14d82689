/**
 * The fake GCS answers as the JSON API does where hoist's tests lean on it: checked here with
 * plain HTTP (not the client library under test), so that a fake that drifts from the public
 * shapes fails on its own.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGcs } from '../support/fake-gcs/server.js';

const BUCKET = 'fake-gcs-shapes';
let fake: FakeGcs;

beforeAll(async () => {
  fake = await FakeGcs.start({ buckets: [BUCKET] });
});
afterAll(async () => {
  await fake?.stop();
});

const o = (name: string) => `${fake.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}`;
async function upload(name: string, body: string, query = ''): Promise<Response> {
  return fetch(`${fake.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=${encodeURIComponent(name)}${query}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
}
async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('the fake GCS JSON API', () => {
  it('inserts with a new generation each time, and serves metadata and media with GCS\'s headers', async () => {
    const first = await json(await upload('a/b', '123456789'));
    expect(first).toMatchObject({ kind: 'storage#object', name: 'a/b', bucket: BUCKET, metageneration: '1', size: '9', contentType: 'text/plain', md5Hash: 'JfnnlDI7RTiF9RgfG2JNCw==' });
    // CRC-32C's check value (of "123456789") is 0xE3069283: GCS gives the big-endian bytes in base64.
    expect(first['crc32c']).toBe('4waSgw==');
    const second = await json(await upload('a/b', 'two'));
    expect(BigInt(second['generation'] as string)).toBeGreaterThan(BigInt(first['generation'] as string));
    const media = await fetch(`${o('a/b')}?alt=media`);
    expect(await media.text()).toBe('two');
    expect(media.headers.get('x-goog-generation')).toBe(second['generation']);
    expect(media.headers.get('x-goog-hash')).toBe(`crc32c=${String(second['crc32c'])},md5=${String(second['md5Hash'])}`);
    expect(await json(await fetch(o('a/b')))).toMatchObject({ name: 'a/b', generation: second['generation'] });
  });

  it('takes a multipart upload: metadata first, then the bytes', async () => {
    const boundary = 'b0undary';
    const body = [`--${boundary}`, 'Content-Type: application/json', '', JSON.stringify({ name: 'multi', contentType: 'application/x-test' }), `--${boundary}`, 'Content-Type: application/octet-stream', '', 'bytes\r\nwith a line', `--${boundary}--`].join('\r\n');
    const r = await fetch(`${fake.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=multipart`, { method: 'POST', body, headers: { 'content-type': `multipart/related; boundary=${boundary}` } });
    expect(await json(r)).toMatchObject({ name: 'multi', contentType: 'application/x-test', size: '18' });
    expect(fake.object(BUCKET, 'multi')?.toString()).toBe('bytes\r\nwith a line');
  });

  it('checks every precondition and answers 412 conditionNotMet, changing nothing', async () => {
    const created = await json(await upload('p', 'v1', '&ifGenerationMatch=0'));
    const generation = created['generation'] as string;
    const failed = await upload('p', 'v2', '&ifGenerationMatch=0');
    expect(failed.status).toBe(412);
    expect(await json(failed)).toEqual({ error: { code: 412, message: 'At least one of the pre-conditions you specified did not hold.', errors: [{ message: 'At least one of the pre-conditions you specified did not hold.', domain: 'global', reason: 'conditionNotMet' }] } });
    expect((await upload('p', 'v2', `&ifGenerationNotMatch=${generation}`)).status).toBe(412);
    expect((await upload('p', 'v2', '&ifMetagenerationMatch=2')).status).toBe(412);
    expect((await upload('p', 'v2', '&ifMetagenerationNotMatch=1')).status).toBe(412);
    expect(fake.object(BUCKET, 'p')?.toString()).toBe('v1');
    expect((await upload('p', 'v2', `&ifGenerationMatch=${generation}&ifMetagenerationMatch=1`)).status).toBe(200);
    expect((await fetch(`${o('p')}?ifGenerationMatch=${generation}`, { method: 'DELETE' })).status).toBe(412);
    expect(fake.object(BUCKET, 'p')?.toString()).toBe('v2');
  });

  it('answers 404 notFound for a missing object, an old generation and a missing bucket, and 204 on a delete', async () => {
    const missing = await fetch(o('nope'));
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ error: { code: 404, message: `No such object: ${BUCKET}/nope`, errors: [{ reason: 'notFound' }] } });
    const old = await json(await upload('g', 'x'));
    await upload('g', 'y');
    expect((await fetch(`${o('g')}?generation=${String(old['generation'])}`)).status).toBe(404);
    const noBucket = await fetch(`${fake.url}/storage/v1/b/no-such-bucket/o`);
    expect(await json(noBucket)).toMatchObject({ error: { code: 404, message: 'The specified bucket does not exist.' } });
    expect((await fetch(o('g'), { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(o('g'), { method: 'DELETE' })).status).toBe(404);
  });

  it('lists by prefix and delimiter, in pages that follow pageToken', async () => {
    for (const name of ['l/1', 'l/2', 'l/3', 'l/d/x', 'l/d/y', 'l/e/z', 'm/1']) await upload(name, name);
    const all = await json(await fetch(`${fake.url}/storage/v1/b/${BUCKET}/o?prefix=l/&delimiter=/`));
    expect((all['items'] as { name: string }[]).map((i) => i.name)).toEqual(['l/1', 'l/2', 'l/3']);
    expect(all['prefixes']).toEqual(['l/d/', 'l/e/']);
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await json(await fetch(`${fake.url}/storage/v1/b/${BUCKET}/o?prefix=l/&maxResults=2${token ? `&pageToken=${token}` : ''}`));
      names.push(...((page['items'] as { name: string }[] | undefined) ?? []).map((i) => i.name));
      token = page['nextPageToken'] as string | undefined;
      pages++;
    } while (token !== undefined);
    expect(names).toEqual(['l/1', 'l/2', 'l/3', 'l/d/x', 'l/d/y', 'l/e/z']);
    expect(pages).toBe(3);
  });

  it('refuses a caller without the bearer token it requires, with GCS\'s 401', async () => {
    fake.requireToken = 'ya29.right';
    try {
      const anonymous = await fetch(o('a/b'));
      expect(anonymous.status).toBe(401);
      expect(await json(anonymous)).toMatchObject({ error: { code: 401, errors: [{ reason: 'required' }] } });
      expect((await fetch(o('a/b'), { headers: { authorization: 'Bearer ya29.wrong' } })).status).toBe(401);
      expect((await fetch(o('a/b'), { headers: { authorization: 'Bearer ya29.right' } })).status).toBe(200);
    } finally {
      fake.requireToken = undefined;
    }
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: `/storage/v1/b/${BUCKET}/o/a/b`, status: 200, token: 'ya29.right' });
  });
});
