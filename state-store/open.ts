/**
 * Opens a state store from the URL a user gives (`--state`, `HOIST_STATE_STORE`).
 *
 * Backends that pull in a cloud SDK are imported only when their scheme is used: a command on
 * file:// must not pay the AWS SDK's load time.
 */

import type { Agent } from 'node:http';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidFlag } from '../src/errors.js';
import type { EventSink } from '../src/output/events.js';
import { silent } from '../src/output/events.js';
import type { ObjectStore } from './object-store.js';
import { validateKey } from './keys.js';
import { CrashPoints, crashPointFromEnv, killSelf, withCrashPoints } from './crash-points.js';

export interface OpenStoreOptions {
  readonly events?: EventSink;
  /** Folder that a relative path is resolved against; `process.cwd()` by default. */
  readonly cwd?: string;
  /** Environment for cloud backends (region, endpoint, credentials); `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How the user gave the URL, for error messages; `--state` by default. */
  readonly source?: string;
  /** s3://: the agent of the SDK's connections (nodeup's egress proxy). */
  readonly agent?: Agent;
}

const ACCEPTED = 'use s3://bucket[/prefix], gs://bucket[/prefix], file:///absolute/path, a folder path, or memfs://name (tests)';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// GCS also allows `_`; a name with dots may be up to 222 characters, each part at most 63.
const GCS_BUCKET_NAME = /^(?=.{3,222}$)[a-z0-9][a-z0-9_-]{0,62}(\.[a-z0-9_-]{1,63})*$/;

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<ObjectStore> {
  const events = options.events ?? silent;
  const source = options.source ?? '--state';
  const bad = (message: string) => invalidFlag(source, url, message, ACCEPTED);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();

  const env = options.env ?? process.env;
  const crashAt = crashPointFromEnv(env);
  const crash = crashAt === undefined ? undefined : new CrashPoints(crashAt, killSelf);
  const openFolder = async (path: string): Promise<ObjectStore> => {
    const { fileRootProblem } = await import('./backends/file-root.js');
    const problem = await fileRootProblem(path);
    if (problem !== undefined) throw invalidFlag(source, url, problem, 'name a folder for the state store, e.g. file:///srv/hoist-state; a missing one is created');
    const { FileStore } = await import('./backends/file.js');
    return new FileStore(path, crash ? { afterTempWritten: () => crash.step() } : {});
  };

  let store: ObjectStore;
  if (url.trim() === '') {
    throw bad('is empty');
  } else if (scheme === undefined) {
    store = await openFolder(resolve(options.cwd ?? process.cwd(), url));
  } else if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch {
      throw bad('is not a local file URL (file:///absolute/path)');
    }
    if (!isAbsolute(path)) throw bad('is not an absolute path');
    store = await openFolder(path);
  } else if (scheme === 'memfs') {
    const name = url.slice('memfs://'.length);
    if (name === '' || name.includes('/')) throw bad('needs a name without "/" (memfs://name)');
    const { MemfsStore } = await import('./backends/memfs.js');
    store = new MemfsStore(name);
  } else if (scheme === 's3') {
    const { bucket, prefix } = bucketAndPrefix(url, 's3://', BUCKET_NAME, 'S3', bad);
    const { S3Store } = await import('./backends/s3.js');
    store = new S3Store({ bucket, prefix, env, events, ...(options.agent === undefined ? {} : { agent: options.agent }) });
  } else if (scheme === 'gs') {
    const { bucket, prefix } = bucketAndPrefix(url, 'gs://', GCS_BUCKET_NAME, 'GCS', bad);
    const { GcsStore } = await import('./backends/gcs.js');
    store = new GcsStore({ bucket, prefix, env, events });
  } else {
    throw bad(`has an unsupported scheme "${scheme}://"`);
  }
  if (crash) store = withCrashPoints(store, crash);
  events({ level: 'debug', code: 'store.opened', message: `state store ${store.url}`, data: { url: store.url } });
  return store;
}

/** `scheme://bucket[/prefix]`, each part checked. */
function bucketAndPrefix(url: string, scheme: string, bucketName: RegExp, cloud: string, bad: (message: string) => Error): { bucket: string; prefix: string } {
  const rest = url.slice(scheme.length).replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!bucketName.test(bucket)) throw bad(`does not name a valid ${cloud} bucket (${JSON.stringify(bucket)})`);
  if (prefix !== '') {
    try {
      validateKey(prefix);
    } catch {
      throw bad(`has an invalid folder inside the bucket (${JSON.stringify(prefix)})`);
    }
  }
  return { bucket, prefix };
}
