import { afterEach, describe, expect, it } from 'vitest';
import { newClusterSpec, toYaml } from '../../src/api/index.js';
import type { InstanceGroup } from '../../src/api/index.js';
import { ConflictError } from '../../src/errors.js';
import type { S3Store } from '../../state-store/backends/s3.js';
import { Clientset } from '../../state-store/clientset.js';
import { getRevision, listRevisionNumbers } from '../../state-store/history.js';
import { BACKENDS, openTestStore } from './fixtures/backends.js';
import type { OpenedStore } from './fixtures/backends.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const NAME = 'clients.example.com';
let opened: OpenedStore | undefined;
afterEach(async () => {
  await opened?.cleanup();
  opened = undefined;
});

function spec(groups: number) {
  const base = newClusterSpec({ name: NAME, cloud: 'aws', zones: ['us-east-1a'] }, SPEC_RULES);
  const node = base.instanceGroups.find((ig) => ig.spec.role === 'Node')!;
  const extra = Array.from({ length: groups }, (_, i): InstanceGroup => ({ ...node, metadata: { ...node.metadata, name: `pool-${i}` } }));
  return { cluster: base.cluster, instanceGroups: [...base.instanceGroups, ...extra] };
}

async function create(clients: Clientset, groups: number) {
  const s = spec(groups);
  return clients.commit(
    { cluster: NAME, putCluster: { object: s.cluster }, putInstanceGroups: s.instanceGroups.map((object) => ({ object })) },
    { command: 'test create' },
  );
}

describe.each(BACKENDS)('clientset on %s', (backend) => {
  it('commits a spec set, records it with ETags, and reads it back', async () => {
    opened = await openTestStore(backend);
    const clients = new Clientset(opened.store);
    const rev = await create(clients, 3);
    expect(rev.rev).toBe(1);
    const stored = await clients.getSpecSet(NAME);
    expect(stored?.instanceGroups.map((v) => v.object.metadata.name)).toEqual(['control-plane-us-east-1a', 'nodes-us-east-1a', 'pool-0', 'pool-1', 'pool-2']);
    const record = await getRevision(opened.store, NAME, 1);
    for (const v of stored!.instanceGroups) expect(record.etags?.[`${NAME}/instancegroup/${v.object.metadata.name}`]).toBe(v.etag);
    expect(await clients.listClusters()).toEqual([NAME]);
  });

  it('refuses a change made from a stale read, and writes nothing', async () => {
    opened = await openTestStore(backend);
    const clients = new Clientset(opened.store);
    await create(clients, 0);
    const read = (await clients.getInstanceGroup(NAME, 'nodes-us-east-1a'))!;
    const bump = (n: number) => ({ ...read.object, spec: { ...read.object.spec, maxSize: n } });
    await clients.commit({ cluster: NAME, putInstanceGroups: [{ object: bump(5), etag: read.etag }] }, { command: 'first' });
    const second = clients.commit({ cluster: NAME, putInstanceGroups: [{ object: bump(7), etag: read.etag }] }, { command: 'second' });
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toThrow(/revision 2 by .* "first"/);
    expect((await clients.getInstanceGroup(NAME, 'nodes-us-east-1a'))?.object.spec.maxSize).toBe(5);
    expect(await listRevisionNumbers(opened.store, NAME)).toEqual([1, 2]);
  });
});

describe('clientset on s3:// reads many groups in a constant number of requests', () => {
  it('takes unchanged groups from the latest revision, and reads a group changed behind its back', async () => {
    opened = await openTestStore('s3');
    const store = opened.store as S3Store;
    const clients = new Clientset(store);
    await create(clients, 60);

    let before = store.stats.requests;
    const groups = await clients.listInstanceGroups(NAME);
    expect(groups).toHaveLength(62);
    // One listing of the groups, one of the history, one read of the latest revision.
    expect(store.stats.requests - before).toBe(3);

    // Someone edits one object directly in the bucket: its ETag no longer matches the record.
    const changed = { ...groups[5]!.object, spec: { ...groups[5]!.object.spec, maxSize: 9 } };
    await store.put(`${NAME}/instancegroup/${changed.metadata.name}`, toYaml(changed));
    before = store.stats.requests;
    const again = await clients.listInstanceGroups(NAME);
    // The changed group is read, and the history listed again: no hoist change was under way.
    expect(store.stats.requests - before).toBe(5);
    expect(again[5]?.object.spec.maxSize).toBe(9);
    expect(again.filter((v, i) => v.etag !== groups[i]!.etag)).toHaveLength(1);
  });
});
