/** openStore: which URLs it takes, what it says about the others, and what it loads. */

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../state-store/backends/file.js';
import { MemfsStore, resetMemfs } from '../../state-store/backends/memfs.js';
import { GcsStore } from '../../state-store/backends/gcs.js';
import { S3Store } from '../../state-store/backends/s3.js';
import { openStore } from '../../state-store/open.js';
import { hoist } from '../support/cli.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('openStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hoist-open-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    resetMemfs('open-test');
    resetMemfs('other-open-test');
  });

  it('opens file:// URLs and bare paths, relative ones against cwd', async () => {
    const byUrl = await openStore(pathToFileURL(dir).href);
    expect(byUrl).toBeInstanceOf(FileStore);
    expect((byUrl as FileStore).root).toBe(dir);
    expect(((await openStore(dir)) as FileStore).root).toBe(dir);
    expect(((await openStore('state', { cwd: dir })) as FileStore).root).toBe(join(dir, 'state'));
    expect((await openStore('./a/../state', { cwd: dir })).url).toBe(pathToFileURL(join(dir, 'state')).href);
  });

  it('opens memfs:// stores that share objects by name within the process', async () => {
    const a = await openStore('memfs://open-test');
    const b = await openStore('memfs://open-test');
    expect(a).toBeInstanceOf(MemfsStore);
    await a.put('c/config', 'x');
    expect(await b.list('')).toEqual(['c/config']);
    expect(await (await openStore('memfs://other-open-test')).list('')).toEqual([]);
  });

  it('opens s3:// URLs with and without a folder', async () => {
    const root = await openStore('s3://my-state');
    expect(root).toBeInstanceOf(S3Store);
    expect(root.url).toBe('s3://my-state');
    const inFolder = (await openStore('s3://my-state/teams/a/')) as S3Store;
    expect([inFolder.bucket, inFolder.prefix, inFolder.url]).toEqual(['my-state', 'teams/a', 's3://my-state/teams/a']);
    root.close?.();
    inFolder.close();
  });

  it('opens gs:// URLs with and without a folder', async () => {
    const root = (await openStore('gs://my_state.example.com')) as GcsStore;
    expect(root).toBeInstanceOf(GcsStore);
    expect(root.url).toBe('gs://my_state.example.com');
    const inFolder = (await openStore('gs://my-state/teams/a/')) as GcsStore;
    expect([inFolder.bucket, inFolder.prefix, inFolder.url]).toEqual(['my-state', 'teams/a', 'gs://my-state/teams/a']);
  });

  it.each([
    ['', 'is empty'],
    ['az://container', 'unsupported scheme "az://"'],
    ['gs://Bad_Bucket', 'does not name a valid GCS bucket'],
    ['gs://ok_bucket/../x', 'invalid folder'],
    ['http://example.com/state', 'unsupported scheme "http://"'],
    ['s3://Bad_Bucket', 'does not name a valid S3 bucket'],
    ['s3://', 'does not name a valid S3 bucket'],
    ['s3://ok-bucket/a//b', 'invalid folder'],
    ['s3://ok-bucket/../x', 'invalid folder'],
    ['file://remote-host/srv/state', 'not a local file URL'],
    ['memfs://', 'needs a name'],
  ])('rejects %j as INVALID_FLAG naming the value and the accepted forms', async (url, why) => {
    const error = await openStore(url).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_FLAG' });
    const message = (error as Error).message;
    expect(message).toContain(JSON.stringify(url));
    expect(message).toContain(why);
    expect(message).toContain('s3://bucket[/prefix], gs://bucket[/prefix], file:///absolute/path');
  });

  it('refuses a store path that is a file, or below a file, naming it', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    for (const [url, why] of [
      [pathToFileURL(file).href, 'is a file, not a folder'],
      [file, 'is a file, not a folder'],
      [pathToFileURL(join(file, 'state')).href, `is below ${file}, which is a file, not a folder`],
      ['file:///etc/passwd', 'is a file, not a folder'],
    ] as const) {
      const error = await openStore(url, { source: 'HOIST_STATE_STORE' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_FLAG' });
      expect((error as Error).message).toContain(`HOIST_STATE_STORE: ${JSON.stringify(url)} ${why}`);
    }
    expect(await readFile(file, 'utf8')).toBe('x');
  });

  it('refuses a folder on /proc, where no folder can be made', async () => {
    const error = await openStore('file:///proc/self').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_FLAG', message: expect.stringContaining("is on the kernel's /proc file system") });
  });

  it('get clusters on a store path that is a file fails, instead of finding no clusters', async () => {
    const r = await hoist(['get', 'clusters'], { env: { HOIST_STATE_STORE: 'file:///etc/passwd' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HOIST_STATE_STORE: "file:///etc/passwd" is a file, not a folder');
    expect(r.stderr).not.toContain('No clusters');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('loads the AWS SDK for s3:// only, and the GCS client for gs:// only', async () => {
    const modulesFor = async (url: string) => {
      const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', '--import', join(fixtures, 'trace-imports.mjs'), join(fixtures, 'open-store.ts'), url],
        { cwd: repo, env: { ...process.env, HOIST_TRACE_IMPORTS: trace }, timeout: 20_000 },
      );
      return { stdout, modules: await readFile(trace, 'utf8') };
    };
    const file = await modulesFor(join(dir, 'state'));
    expect(file.stdout).toBe(`${pathToFileURL(join(dir, 'state')).href}\n`);
    expect(file.modules).toContain('/state-store/backends/file.ts');
    expect(file.modules).not.toContain('@aws-sdk');
    expect(file.modules).not.toContain('@google-cloud/storage');
    const s3 = await modulesFor('s3://my-state');
    expect(s3.modules).toContain('@aws-sdk/client-s3');
    expect(s3.modules).not.toContain('@google-cloud/storage');
    const gs = await modulesFor('gs://my-state');
    expect(gs.modules).toContain('@google-cloud/storage');
    expect(gs.modules).not.toContain('@aws-sdk');
  });
});
