/** How hoist (in this process or a child) reaches a fake GCS: its endpoint, with no credentials. */

import { randomBytes } from 'node:crypto';
import type { FakeGcs } from './server.js';

// A type alias, not an interface, so that it also passes as a plain string record (env).
export type GcsEnv = {
  readonly HOIST_GCS_ENDPOINT: string;
  readonly HOIST_GCS_AUTH: 'none';
};

export function gcsEnv(fake: FakeGcs): GcsEnv {
  return { HOIST_GCS_ENDPOINT: fake.url, HOIST_GCS_AUTH: 'none' };
}

/** Makes a bucket with a name no other test uses, and returns its name. */
export function createTestBucket(fake: FakeGcs, prefix = 'hoist-test'): string {
  const name = `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  fake.buckets.create(name);
  return name;
}
