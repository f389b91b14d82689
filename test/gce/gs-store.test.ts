/**
 * A GCE cluster whose state store is gs://, end to end: the CLI against the fake Compute API and
 * the fake GCS JSON API applies it, plans no change, and a machine of its node group boots from
 * the bucket the way a GCE machine does (its startup script, then nodeup, both with the
 * metadata server's token and nothing else: the fake GCS refuses any other caller), reporting
 * Ready into the bucket; then a roll through the groups, and delete removes the cloud's objects
 * and the cluster's state.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { renderBootScript } from '../../cloudup/boot/script.js';
import { hashText } from '../../nodeup/config/hash.js';
import { instanceStatusKey, nodeupBundleKey, nodeupConfigKey } from '../../nodeup/config/keys.js';
import type { InstanceGroup } from '../../src/api/index.js';
import { nodeRuntimeAsset } from '../../src/assets/node-runtime.js';
import type { Plan } from '../../src/engine/plan.js';
import { hoist, tempDir } from '../support/cli.js';
import { gcsEnv } from '../support/fake-gcs/env.js';
import { FakeGcs } from '../support/fake-gcs/server.js';
import { runScript, stopAllScripts } from '../boot/run-script.js';
import { fakeGceMetadata, serveFolder } from '../boot/servers.js';
import type { Listening } from '../boot/servers.js';
import { buildNodeupBundle, nodeMirror, scriptEnv } from '../boot/support.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake, useAssetMirror, waitFor } from './support.js';

const NAME = 'gs-store.k8s.local';
const SAFE = 'gs-store-k8s-local';
const BUCKET = 'hoist-gce-state';
const STORE = `gs://${BUCKET}/clusters`;
const TOKEN = 'ya29.node-service-account';
const NODES = 'nodes-us-central1-a';
const INSTANCE = 'nodes-us-central1-a-x7k2';
let fake: FakeCompute;
let gcs: FakeGcs;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let bundle: { path: string; sha256: string };
const servers: Listening[] = [];

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const object = (key: string) => gcs.object(BUCKET, `clusters/${key}`)?.toString('utf8');
const planJson = async (): Promise<Plan> => {
  const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
  expect(planned.code, planned.stderr).toBe(0);
  return JSON.parse(planned.stdout) as Plan;
};
const startupScript = (group: string) => {
  const template = fake.resources('instanceTemplates').find((t) => String(t.name).startsWith(`${group}-`))!;
  const items = (template['properties'] as { metadata: { items: { key: string; value: string }[] } }).metadata.items;
  return items.find((i) => i.key === 'startup-script')!.value;
};

beforeAll(async () => {
  [fake, gcs, dir] = await Promise.all([startFake(), FakeGcs.start({ buckets: [BUCKET] }), tempDir('hoist-gce-gs-')]);
  bundle = await buildNodeupBundle(dir.path);
  env = { ...cliEnv(fake, STORE), ...gcsEnv(gcs), HOIST_NODEUP_BUNDLE: bundle.path };
  const created = await run(['create', 'cluster', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '1']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
}, 120_000);

afterAll(async () => {
  await stopAllScripts();
  await Promise.all(servers.map((s) => s.close()));
  await gcs?.stop();
  await fake?.stop();
  await dir?.cleanup();
});

describe('a GCE cluster with its state on gs://', () => {
  it('applies: the spec, the node configuration and the nodeup bundle are in the bucket, and the machines\' scripts read it', async () => {
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(object(`${NAME}/config`)).toContain(`name: ${NAME}`);
    expect(object(nodeupConfigKey(NAME, NODES))).toContain(`stateStore: ${STORE}`);
    expect(gcs.object(BUCKET, `clusters/${nodeupBundleKey(NAME, bundle.sha256)}`)).toBeDefined();
    const script = startupScript(NODES);
    expect(script).toContain(`STATE_STORE='${STORE}'`);
    expect(script).toContain(`NODEUP_URL='${STORE}/${nodeupBundleKey(NAME, bundle.sha256)}'`);
    expect(script).toContain('METADATA=gce');
    // The lock was created with GCS's create-only precondition.
    expect(gcs.requests).toContainEqual(expect.objectContaining({ method: 'POST', query: expect.objectContaining({ name: `clusters/${NAME}/lock`, ifGenerationMatch: '0' }), status: 200 }));
    expect(gcs.requests.filter((r) => r.status >= 500)).toEqual([]);
  });

  it('plans no changes right after', async () => {
    const plan = await planJson();
    expect(plan.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  });

  it('a machine of the node group boots from gs:// with its service account\'s token only, and nodeup reports Ready into the bucket', async () => {
    const metadata = await fakeGceMetadata({ name: INSTANCE, accessToken: TOKEN });
    const node = await nodeMirror(join(dir.path, 'mirror'));
    const mirror = await serveFolder(node.dir);
    servers.push(metadata, mirror);
    const configHash = hashText(object(nodeupConfigKey(NAME, NODES))!);
    const fileRepository = (parse((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout) as { spec: { assets: { fileRepository: string } } }).spec.assets.fileRepository;
    const input = {
      boot: { stateStore: STORE, cluster: NAME, instanceGroup: NODES, configHash },
      storeAccess: 'gcs' as const,
      metadata: 'gce' as const,
      nodeup: { url: `${STORE}/${nodeupBundleKey(NAME, bundle.sha256)}`, sha256: bundle.sha256 },
    };
    // The template's script, but for the Node.js pin: the official archive is not available offline.
    expect(startupScript(NODES)).toBe(renderBootScript({ ...input, node: nodeRuntimeAsset(fileRepository) }));

    gcs.requireToken = TOKEN;
    const from = gcs.requests.length;
    try {
      const root = join(dir.path, 'machine');
      const script = await runScript(
        dir.path,
        renderBootScript({ ...input, node: { version: node.version, url: `${mirror.url}/${node.path}`, sha256: node.sha256 } }),
        scriptEnv(dir.path, root, { HOIST_METADATA_URL: metadata.url, HOIST_GCS_ENDPOINT: gcs.url }),
      );
      expect(await script.exited, script.output()).toBe(0);
    } finally {
      gcs.requireToken = undefined;
    }
    const status = JSON.parse(object(instanceStatusKey(NAME, NODES, INSTANCE))!) as Record<string, unknown>;
    expect(status).toMatchObject({ phase: 'Ready', instanceGroup: NODES, configHash, instanceId: INSTANCE });
    const requests = gcs.requests.slice(from);
    // The script's download (curl), then nodeup's reads and its report (the GCS client, with the
    // credentials it found at the metadata server), all with the token.
    expect(requests.filter((r) => r.token !== TOKEN)).toEqual([]);
    expect(requests.filter((r) => r.status >= 400 && r.status !== 404)).toEqual([]);
    expect(requests[0]).toMatchObject({ method: 'GET', path: `/storage/v1/b/${BUCKET}/o/clusters/${nodeupBundleKey(NAME, bundle.sha256)}`, query: { alt: 'media' } });
    expect(requests).toContainEqual(expect.objectContaining({ method: 'GET', path: `/storage/v1/b/${BUCKET}/o/clusters/${nodeupConfigKey(NAME, NODES)}`, status: 200 }));
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: `/upload/storage/v1/b/${BUCKET}/o`, query: expect.objectContaining({ uploadType: 'multipart', name: `clusters/${instanceStatusKey(NAME, NODES, INSTANCE)}` }) }));
    expect(metadata.requests).toContain('GET /computeMetadata/v1/instance/service-accounts/default/token');
  }, 120_000);

  it('rolls a machine type change through the node group', async () => {
    const ig = parse((await run(['get', 'instancegroup', NODES, '--name', NAME, '-o', 'yaml'])).stdout) as InstanceGroup;
    const replaced = await run(['replace', '-f', '-'], stringify({ ...ig, spec: { ...ig.spec, machineType: 'e2-standard-4' } }));
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await run(['update', 'cluster', NAME, '--yes'])).code).toBe(0);
    const old = fake.resources('instances').filter((i) => String(i.name).startsWith('nodes-')).map((i) => i.id);
    const rolled = await run(['rolling-update', 'cluster', NAME, '--yes', '--cloudonly', '--instance-group', NODES, '--validation-timeout', '30s']);
    expect(rolled.code, rolled.stderr).toBe(0);
    await waitFor('the replacement to run', () => fake.resources('instances').some((i) => String(i.name).startsWith('nodes-') && i.status === 'RUNNING' && !old.includes(i.id)));
    const nodes = fake.resources('instances').filter((i) => String(i.name).startsWith('nodes-'));
    expect(nodes.map((i) => String(i.machineType).replace(/.*\//, ''))).toEqual(['e2-standard-4']);
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  }, 120_000);

  it('delete cluster removes its objects from the cloud and its state from the bucket', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const owned = ['networks', 'instanceTemplates', 'instanceGroupManagers', 'instances', 'disks', 'addresses'].flatMap((c) =>
      fake.resources(c).filter((r) => r.description === `hoist.dev/cluster=${NAME}` || (r.labels as Record<string, string> | undefined)?.['hoist-dev-cluster'] === SAFE),
    );
    expect(owned).toEqual([]);
    expect(gcs.names(BUCKET).filter((n) => n.startsWith(`clusters/${NAME}/`))).toEqual([]);
  });
});
