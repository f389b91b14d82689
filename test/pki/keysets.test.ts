import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetMemfs } from '../../state-store/backends/memfs.js';
import { openStore } from '../../state-store/open.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { recorder } from '../../src/output/events.js';
import {
  addKeysetItem,
  adminCertRequest,
  issueCertificate,
  CLUSTER_KEYSETS,
  createCA,
  createKeyset,
  ensureClusterPKI,
  issuedKeysetKey,
  keysetToYaml,
  listKeysets,
  newKeyset,
  parseKeyset,
  primaryItem,
  privateKeysetKey,
  promoteKeysetItem,
  distrustKeysetItems,
  publicKeyset,
  readKeyset,
  removeKeysetItem,
  trustBundle,
} from '../../src/pki/index.js';
import { tempDir } from '../support/cli.js';
import { certText, verify } from './support.js';

const CLUSTER = 'demo.example.com';
const NAMES = CLUSTER_KEYSETS.map((k) => k.name).sort();
let store: ObjectStore;
let dir: { path: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  store = await openStore('memfs://pki-test');
  dir = await tempDir('hoist-pki-');
});
afterEach(async () => {
  resetMemfs('pki-test');
  await dir.cleanup();
});

const text = async (key: string) => new TextDecoder().decode((await store.get(key))?.body);

describe('ensureClusterPKI', () => {
  it('creates the four CAs and the service-account key once; a second call creates nothing', async () => {
    const { sink, events } = recorder();
    expect((await ensureClusterPKI(store, CLUSTER, { events: sink })).created.sort()).toEqual(NAMES);
    expect(events.filter((e) => e.code === 'pki.created')).toHaveLength(5);
    const before = await Promise.all(NAMES.map((n) => text(privateKeysetKey(CLUSTER, n))));
    expect(await ensureClusterPKI(store, CLUSTER)).toEqual({ created: [] });
    expect(await Promise.all(NAMES.map((n) => text(privateKeysetKey(CLUSTER, n))))).toEqual(before);
    expect(await listKeysets(store, CLUSTER)).toEqual(NAMES);
    expect((await store.list(`${CLUSTER}/pki/`)).sort()).toEqual(
      NAMES.flatMap((n) => [issuedKeysetKey(CLUSTER, n), privateKeysetKey(CLUSTER, n)]).sort(),
    );
  });

  it('writes CAs with certificates and the service-account key as a bare key pair', async () => {
    await ensureClusterPKI(store, CLUSTER);
    for (const name of ['kubernetes-ca', 'etcd-peers-ca', 'etcd-clients-ca', 'apiserver-aggregator-ca']) {
      const k = (await readKeyset(store, CLUSTER, name, { private: true }))!;
      expect(k.spec.type).toBe('CA');
      expect(certText(primaryItem(k).certificate!)).toMatch(new RegExp(`Subject: CN ?= ?${name}\\n`));
    }
    const sa = (await readKeyset(store, CLUSTER, 'service-account', { private: true }))!;
    expect(sa.spec.type).toBe('ServiceAccountKey');
    expect(primaryItem(sa)).toMatchObject({ publicKey: expect.stringContaining('BEGIN PUBLIC KEY'), privateKey: expect.stringContaining('BEGIN PRIVATE KEY') });
    expect(primaryItem(sa).certificate).toBeUndefined();
  });

  it('keeps private keys out of pki/issued/, which holds the same items otherwise', async () => {
    await ensureClusterPKI(store, CLUSTER);
    for (const name of NAMES) {
      const issuedText = await text(issuedKeysetKey(CLUSTER, name));
      expect(issuedText).not.toMatch(/PRIVATE KEY|privateKey/);
      const issued = (await readKeyset(store, CLUSTER, name, { private: false }))!;
      const full = (await readKeyset(store, CLUSTER, name, { private: true }))!;
      expect(issued).toEqual(publicKeyset(full));
    }
    const sa = (await readKeyset(store, CLUSTER, 'service-account', { private: false }))!;
    expect(primaryItem(sa).publicKey).toContain('BEGIN PUBLIC KEY');
  });

  it('two applies racing on memfs:// create one of each keyset, and both see it', async () => {
    const [a, b] = await Promise.all([ensureClusterPKI(store, CLUSTER), ensureClusterPKI(store, CLUSTER)]);
    expect([...a.created, ...b.created].sort()).toEqual(NAMES);
    const ca = (await readKeyset(store, CLUSTER, 'kubernetes-ca', { private: true }))!;
    expect(ca.spec.items).toHaveLength(1);
  });

  it('two processes racing on file:// (separate store objects) create one CA each', async () => {
    const url = `file://${dir.path}/state`;
    const stores = await Promise.all([1, 2, 3].map(() => openStore(url)));
    const results = await Promise.all(stores.map((s) => ensureClusterPKI(s, CLUSTER)));
    const created = results.flatMap((r) => r.created).sort();
    expect(created).toEqual(NAMES);
    const seen = await Promise.all(stores.map(async (s) => primaryItem((await readKeyset(s, CLUSTER, 'kubernetes-ca', { private: false }))!).certificate));
    expect(new Set(seen).size).toBe(1);
  });

  it('the loser of a create gets the winner keyset', async () => {
    const first = newKeyset('kubernetes-ca', 'CA', await createCA('kubernetes-ca'));
    const second = newKeyset('kubernetes-ca', 'CA', await createCA('kubernetes-ca'));
    expect((await createKeyset(store, CLUSTER, first)).created).toBe(true);
    const lost = await createKeyset(store, CLUSTER, second);
    expect(lost).toEqual({ keyset: first, created: false });
  });

  it('heals an issued copy lost to a crash between the two writes', async () => {
    await ensureClusterPKI(store, CLUSTER);
    await store.delete(issuedKeysetKey(CLUSTER, 'etcd-peers-ca'));
    expect(await ensureClusterPKI(store, CLUSTER)).toEqual({ created: [] });
    expect(await readKeyset(store, CLUSTER, 'etcd-peers-ca', { private: false })).toEqual(
      publicKeyset((await readKeyset(store, CLUSTER, 'etcd-peers-ca', { private: true }))!),
    );
  });
});

describe('keyset documents', () => {
  it('round-trip through YAML unchanged', async () => {
    const k = newKeyset('kubernetes-ca', 'CA', await createCA('kubernetes-ca'));
    const yaml = keysetToYaml(k);
    expect(yaml).toMatch(/^apiVersion: hoist.dev\/v1alpha1\nkind: Keyset\nmetadata:\n {2}name: kubernetes-ca\nspec:\n {2}type: CA\n/);
    expect(parseKeyset(yaml, { source: 'x', private: true })).toEqual(k);
    expect(parseKeyset(keysetToYaml(publicKeyset(k)), { source: 'x', private: false })).toEqual(publicKeyset(k));
  });

  it('refuse a public copy holding a private key, a private copy without one, and a bad primary', async () => {
    const k = newKeyset('kubernetes-ca', 'CA', await createCA('kubernetes-ca'));
    expect(() => parseKeyset(keysetToYaml(k), { source: 'demo/pki/issued/kubernetes-ca/keyset.yaml', private: false })).toThrow(
      /demo\/pki\/issued\/kubernetes-ca\/keyset.yaml item \w+ holds a private key in a public keyset/,
    );
    expect(() => parseKeyset(keysetToYaml(publicKeyset(k)), { source: 'p', private: true })).toThrow(/has no private key/);
    expect(() => parseKeyset(keysetToYaml({ ...k, spec: { ...k.spec, primaryId: 'nope' } }), { source: 'p', private: true })).toThrow(/names primary nope/);
    expect(() => parseKeyset('kind: Cluster', { source: 'p', private: true })).toThrow(/p is not a keyset/);
    expect(() => parseKeyset('a: [', { source: 'p', private: true })).toThrow(/p is not YAML/);
  });
});

describe('rotation', () => {
  it('adds a new CA beside the primary, promotes it, and removes the old one', async () => {
    await ensureClusterPKI(store, CLUSTER);
    const old = primaryItem((await readKeyset(store, CLUSTER, 'kubernetes-ca', { private: true }))!);

    const { keyset: added, item } = await addKeysetItem(store, CLUSTER, 'kubernetes-ca');
    expect(added.spec.primaryId).toBe(old.id);
    expect(added.spec.items.map((i) => i.id)).toEqual([old.id, item.id]);
    expect(certText(item.certificate!)).toMatch(/Subject: CN ?= ?kubernetes-ca\n/);
    // Readers of the issued copy trust both CAs from now on, the primary's first.
    const issued = (await readKeyset(store, CLUSTER, 'kubernetes-ca', { private: false }))!;
    expect(trustBundle(issued)).toBe(`${old.certificate}${item.certificate}`);
    expect(verify(dir.path, trustBundle(issued), item.certificate!, 'bundle')).toMatch(/: OK$/);
    // Certificates of either CA verify against the bundle, though both CAs have one subject.
    for (const signer of [old, item]) {
      const leaf = await issueCertificate({ certificate: signer.certificate!, privateKey: signer.privateKey! }, adminCertRequest('alice'));
      expect(verify(dir.path, trustBundle(issued), leaf.certificate, `leaf-${signer.id}`)).toMatch(/: OK$/);
    }

    await expect(removeKeysetItem(store, CLUSTER, 'kubernetes-ca', old.id)).rejects.toThrow(/is the primary/);
    const promoted = await promoteKeysetItem(store, CLUSTER, 'kubernetes-ca', item.id);
    expect(primaryItem(promoted.keyset).id).toBe(item.id);
    expect(primaryItem((await readKeyset(store, CLUSTER, 'kubernetes-ca', { private: false }))!).id).toBe(item.id);

    const removed = await removeKeysetItem(store, CLUSTER, 'kubernetes-ca', old.id);
    expect(removed.spec.items.map((i) => i.id)).toEqual([item.id]);
    expect((await readKeyset(store, CLUSTER, 'kubernetes-ca', { private: false }))!.spec.items.map((i) => i.id)).toEqual([item.id]);
  });

  it('distrusts what the primary replaced: kept in the keyset, out of the trust bundle', async () => {
    await ensureClusterPKI(store, CLUSTER);
    const old = primaryItem((await readKeyset(store, CLUSTER, 'kubernetes-ca', { private: true }))!);
    await expect(distrustKeysetItems(store, CLUSTER, 'kubernetes-ca', [old.id])).rejects.toThrow(/is the primary of keyset kubernetes-ca and cannot be distrusted/);
    const { item } = await addKeysetItem(store, CLUSTER, 'kubernetes-ca');
    // Nothing is older than the primary yet: the new item is younger.
    expect((await distrustKeysetItems(store, CLUSTER, 'kubernetes-ca', [])).distrusted).toEqual([]);
    // Without an id, the newest item that is not primary is promoted.
    expect((await promoteKeysetItem(store, CLUSTER, 'kubernetes-ca')).id).toBe(item.id);
    await expect(promoteKeysetItem(store, CLUSTER, 'kubernetes-ca')).resolves.toMatchObject({ id: old.id });
    await promoteKeysetItem(store, CLUSTER, 'kubernetes-ca', item.id);

    const at = new Date('2026-12-05T00:00:00.000Z');
    const { keyset, distrusted } = await distrustKeysetItems(store, CLUSTER, 'kubernetes-ca', [], at);
    expect(distrusted).toEqual([old.id]);
    expect(keyset.spec.items.map((i) => [i.id, i.distrustedAt])).toEqual([[old.id, at.toISOString()], [item.id, undefined]]);
    const issued = (await readKeyset(store, CLUSTER, 'kubernetes-ca', { private: false }))!;
    expect(trustBundle(issued)).toBe(item.certificate);
    // Again: nothing more to do, and the first time is kept.
    const again = await distrustKeysetItems(store, CLUSTER, 'kubernetes-ca', [old.id], new Date());
    expect(again.distrusted).toEqual([]);
    expect(again.keyset.spec.items[0]?.distrustedAt).toBe(at.toISOString());
    await expect(promoteKeysetItem(store, CLUSTER, 'kubernetes-ca', old.id)).rejects.toThrow(/is distrusted and cannot become primary/);
    await expect(promoteKeysetItem(store, CLUSTER, 'kubernetes-ca')).rejects.toThrow(/has no item to promote/);
  });

  it('rotates the service-account key and refuses unknown items and keysets', async () => {
    await ensureClusterPKI(store, CLUSTER);
    const { keyset, item } = await addKeysetItem(store, CLUSTER, 'service-account', { primary: true });
    expect(keyset.spec.primaryId).toBe(item.id);
    expect(item.publicKey).toContain('BEGIN PUBLIC KEY');
    await expect(promoteKeysetItem(store, CLUSTER, 'service-account', 'missing')).rejects.toThrow(/has no item missing/);
    await expect(addKeysetItem(store, CLUSTER, 'no-such-keyset')).rejects.toThrow(/does not exist/);
  });

  it('a change racing another change of the same keyset is refused, not lost', async () => {
    await ensureClusterPKI(store, CLUSTER);
    const results = await Promise.allSettled([addKeysetItem(store, CLUSTER, 'etcd-peers-ca'), addKeysetItem(store, CLUSTER, 'etcd-peers-ca')]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0]!.reason as { code?: string }).code).toBe('CONFLICT');
    const stored = (await readKeyset(store, CLUSTER, 'etcd-peers-ca', { private: true }))!;
    expect(stored.spec.items).toHaveLength(2);
    expect(await readKeyset(store, CLUSTER, 'etcd-peers-ca', { private: false })).toEqual(publicKeyset(stored));
  });
});
