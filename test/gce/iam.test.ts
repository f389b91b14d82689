/**
 * The IAM calls against the fakes, without a cluster: the fakes refuse a policy write with a
 * stale etag (409) as GCP does, and hoist's read-modify-write goes round again when it loses
 * such a race, so twelve writers at once all land and nobody else's binding is lost; a bucket
 * without uniform bucket-level access refuses conditions, which hoist explains with the fix.
 */

import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../cloudup/gce/clients.js';
import { Compute } from '../../cloudup/gce/compute.js';
import { IamApi } from '../../cloudup/gce/iam-api.js';
import { accountId } from '../../cloudup/gce/iam-names.js';
import { NotReadyError } from '../../src/engine/executor.js';
import { bucketIamMemberKind } from '../../cloudup/gce/tasks/bucket-iam-member.js';
import type { GceContext } from '../../cloudup/gce/context.js';
import { FakeGcs } from '../support/fake-gcs/server.js';
import { iamOf } from './fake/iam.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, computeOptions, startFake } from './support.js';

const BUCKET = 'iam-races';
let fake: FakeCompute;
let gcs: FakeGcs;
let iam: IamApi;
let compute: Compute;

beforeAll(async () => {
  [fake, gcs] = await Promise.all([startFake(), FakeGcs.start({ buckets: [BUCKET] })]);
  const options = computeOptions(fake);
  compute = new Compute({ project: PROJECT, clients: createClients({ ...options, authClient: new PassThroughClient() }, () => undefined), sleep: async () => undefined });
  iam = new IamApi(compute, { iam: fake.url, resourceManager: fake.url, storage: gcs.url });
});

afterAll(async () => {
  await gcs?.stop();
  await fake?.stop();
});

const post = async (url: string, body: unknown, method = 'POST') => {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error?: { code: number; status?: string; message: string }; etag?: string } };
};

describe('IAM policies on the fakes', () => {
  it('refuse a write with a stale etag (409), the project\'s as ABORTED', async () => {
    const read = await post(`${fake.url}/v1/projects/${PROJECT}:getIamPolicy`, {});
    const first = await post(`${fake.url}/v1/projects/${PROJECT}:setIamPolicy`, { policy: { etag: read.body.etag, bindings: [{ role: 'roles/viewer', members: ['user:a@example.com'] }] } });
    expect(first.status).toBe(200);
    const stale = await post(`${fake.url}/v1/projects/${PROJECT}:setIamPolicy`, { policy: { etag: read.body.etag, bindings: [] } });
    expect(stale).toMatchObject({ status: 409, body: { error: { code: 409, status: 'ABORTED' } } });
    expect(iamOf(fake.state).policy(PROJECT).bindings).toEqual([{ role: 'roles/viewer', members: ['user:a@example.com'] }]);

    const bucket = await fetch(`${gcs.url}/storage/v1/b/${BUCKET}/iam`).then((r) => r.json() as Promise<{ etag: string; bindings: unknown[] }>);
    expect(await post(`${gcs.url}/storage/v1/b/${BUCKET}/iam`, { ...bucket, bindings: [...bucket.bindings, { role: 'roles/storage.objectViewer', members: ['user:b@example.com'] }] }, 'PUT')).toMatchObject({ status: 200 });
    expect(await post(`${gcs.url}/storage/v1/b/${BUCKET}/iam`, { ...bucket, bindings: [] }, 'PUT')).toMatchObject({ status: 409, body: { error: { code: 409 } } });
  });

  it('refuse a member that is no account of the project, and a condition they cannot read', async () => {
    const read = await post(`${fake.url}/v1/projects/${PROJECT}:getIamPolicy`, {});
    const ghost = await post(`${fake.url}/v1/projects/${PROJECT}:setIamPolicy`, { policy: { etag: read.body.etag, bindings: [{ role: 'roles/viewer', members: [`serviceAccount:ghost-12345678@${PROJECT}.iam.gserviceaccount.com`] }] } });
    expect(ghost).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('does not exist') } } });
    // hoist takes it for an account IAM does not show everywhere yet, which the executor tries again.
    const ghostly = iam.modify({ kind: 'project' }, (b) => [...b, { role: 'roles/viewer', members: [`serviceAccount:ghost-12345678@${PROJECT}.iam.gserviceaccount.com`] }]);
    await expect(ghostly).rejects.toBeInstanceOf(NotReadyError);
    const bucket = gcs.iam.policy(BUCKET);
    const odd = { role: 'roles/storage.objectViewer', members: ['user:c@example.com'], condition: { title: 't', expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' } };
    expect(await post(`${gcs.url}/storage/v1/b/${BUCKET}/iam`, { version: 3, etag: bucket.etag, bindings: [odd] }, 'PUT')).toMatchObject({ status: 400 });
  });

  it('hoist\'s read-modify-write loses no binding when twelve writers race', async () => {
    const accounts = await Promise.all(Array.from({ length: 12 }, (_, i) => iam.createAccount(accountId('races.example.com', { group: `g${i}` }), { displayName: `g${i}`, description: 'races' })));
    const before = fake.count('POST', /:setIamPolicy$/);
    await Promise.all(
      accounts.map((a) => iam.modify({ kind: 'project' }, (bindings) => [...bindings.filter((b) => b.role !== 'roles/logging.logWriter'), { role: 'roles/logging.logWriter', members: [...(bindings.find((b) => b.role === 'roles/logging.logWriter')?.members ?? []), `serviceAccount:${a.email}`] }])),
    );
    const writer = iamOf(fake.state).policy(PROJECT).bindings.find((b) => b.role === 'roles/logging.logWriter')!;
    expect([...writer.members].sort()).toEqual(accounts.map((a) => `serviceAccount:${a.email}`).sort());
    expect(iamOf(fake.state).policy(PROJECT).bindings).toContainEqual({ role: 'roles/viewer', members: ['user:a@example.com'] });
    // Some writes were refused for a stale etag and done again.
    expect(fake.requests.filter((r) => r.path.endsWith(':setIamPolicy') && r.status === 409).length).toBeGreaterThan(0);
    expect(fake.count('POST', /:setIamPolicy$/) - before).toBeGreaterThan(12);
  });

  it('a bucket without uniform bucket-level access: the binding is refused with the fix', async () => {
    gcs.iam.setUniformAccess(BUCKET, false);
    const ctx = { iam, stateBucket: BUCKET, cluster: 'c.example.com', project: PROJECT, description: 'hoist.dev/cluster=c.example.com', labels: {} } as unknown as GceContext;
    const fields = { bucket: BUCKET, role: 'roles/storage.objectViewer', member: 'user:d@example.com', condition: { title: 't', description: '', expression: `resource.name.startsWith("projects/_/buckets/${BUCKET}/objects/c/")` } };
    const error = await bucketIamMemberKind.create(ctx, { kind: 'BucketIamMember', name: 'd', lifecycle: 'Sync', dependsOn: [], desired: fields }, fields).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining(`gs://${BUCKET} does not have uniform bucket-level access`), hint: expect.stringContaining('--uniform-bucket-level-access') });
    expect(gcs.iam.policy(BUCKET).bindings.some((b) => b.members.includes('user:d@example.com'))).toBe(false);
  });
});
