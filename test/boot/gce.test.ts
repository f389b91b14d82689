/**
 * The boot script of a GCE node group, run with bash against loopback stand-ins: a fake
 * metadata server (the instance's name, the service account's access token) and an HTTP mirror
 * holding a Node.js release made from this machine's `node`. The cluster is applied on the fake
 * Compute API with its state store on file://, so the group's startup script reads the store by
 * its path; the script run is that startup script but for its Node.js pin. The fake GCS JSON API
 * (test/support/fake-gcs, refusing requests without the token) shows the script reading a gs://
 * bundle with the metadata server's token, and filing its failure report there with the same
 * token. test/gce/gs-store.test.ts boots a machine of a cluster whose whole store is on gs://.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderBootScript } from '../../cloudup/boot/script.js';
import type { BootScriptInput } from '../../cloudup/boot/script.js';
import { hashText } from '../../nodeup/config/hash.js';
import { instanceStatusKey, nodeupBundleKey, nodeupConfigKey } from '../../nodeup/config/keys.js';
import { nodeRuntimeAsset } from '../../src/assets/node-runtime.js';
import { hoist, tempDir } from '../support/cli.js';
import { useAssetMirror } from '../support/asset-mirror.js';
import type { FakeCompute } from '../gce/fake/server.js';
import { PROJECT, cliEnv, startFake } from '../gce/support.js';
import { runScript, stopAllScripts } from './run-script.js';
import { FakeGcs } from '../support/fake-gcs/server.js';
import { fakeGceMetadata, serveFolder } from './servers.js';
import type { Listening } from './servers.js';
import { buildNodeupBundle, filesBelow, nodeMirror, scriptEnv, sha256 } from './support.js';
import type { NodeMirror } from './support.js';

const NAME = 'boot-gce.k8s.local';
const BUCKET = 'hoist-boot-state';
const TOKEN = 'ya29.boot-test-token';
const INSTANCE = 'boot-gce-nodes-7x2k';
let dir: { path: string; cleanup: () => Promise<void> };
let fake: FakeCompute | undefined;
let state: string;
let group: string;
let configHash: string;
let bundle: { path: string; body: Buffer; sha256: string };
let node: NodeMirror;
let mirror: Listening;
let metadata: Listening;
let fileRepository: string;
const servers: Listening[] = [];
const buckets: FakeGcs[] = [];

beforeAll(async () => {
  dir = await tempDir('hoist-boot-gce-');
  fake = await startFake();
  state = join(dir.path, 'state');
  bundle = await buildNodeupBundle(dir.path);
  const env = { ...cliEnv(fake, `file://${state}`), HOIST_NODEUP_BUNDLE: bundle.path };
  const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
  const created = await run(['create', 'cluster', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '1']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const applied = await run(['update', 'cluster', NAME, '--yes']);
  expect(applied.code, applied.stderr).toBe(0);
  const igs = JSON.parse((await run(['get', 'instancegroups', '--name', NAME, '-o', 'json'])).stdout) as { items: { metadata: { name: string }; spec: { role: string } }[] };
  group = igs.items.find((ig) => ig.spec.role === 'Node')!.metadata.name;
  configHash = hashText(await readFile(join(state, nodeupConfigKey(NAME, group)), 'utf8'));
  fileRepository = (parse((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout) as { spec: { assets: { fileRepository: string } } }).spec.assets.fileRepository;
  node = await nodeMirror(join(dir.path, 'mirror'));
  mirror = await serveFolder(node.dir);
  metadata = await fakeGceMetadata({ name: INSTANCE, accessToken: TOKEN });
  servers.push(mirror, metadata);
}, 120_000);

afterEach(async () => {
  await stopAllScripts();
});

afterAll(async () => {
  await stopAllScripts();
  await Promise.all([...servers.map((s) => s.close()), ...buckets.map((b) => b.stop())]);
  await fake?.stop();
  await dir?.cleanup();
});

function input(overrides: Partial<BootScriptInput> = {}): BootScriptInput {
  return {
    boot: { stateStore: `file://${state}`, cluster: NAME, instanceGroup: group, configHash },
    storeAccess: 'file',
    metadata: 'gce',
    node: { version: node.version, url: `${mirror.url}/${node.path}`, sha256: node.sha256 },
    nodeup: { url: `file://${state}/${nodeupBundleKey(NAME, bundle.sha256)}`, sha256: bundle.sha256 },
    ...overrides,
  };
}

describe('the boot script of a GCE node group', () => {
  it('is the instance template\'s startup script, but for the Node.js pin (the official archive is not available offline)', () => {
    const scripts = fake!.resources('instanceTemplates').map((t) => {
      const items = ((t['properties'] as { metadata?: { items?: { key: string; value: string }[] } }).metadata?.items ?? []);
      return items.find((i) => i.key === 'startup-script')?.value ?? '';
    });
    const ours = scripts.filter((s) => s.includes(`\nINSTANCE_GROUP='${group}'\n`));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toBe(renderBootScript(input({ node: nodeRuntimeAsset(fileRepository) })));
  });

  it('takes its name from the metadata server, installs Node.js and the published nodeup, and nodeup reports Ready', async () => {
    const root = join(dir.path, 'machine');
    const script = await runScript(dir.path, renderBootScript(input()), scriptEnv(dir.path, root, { HOIST_METADATA_URL: metadata.url }));
    expect(await script.exited, script.output()).toBe(0);

    const status = JSON.parse(await readFile(join(state, instanceStatusKey(NAME, group, INSTANCE)), 'utf8')) as Record<string, unknown>;
    expect(status).toMatchObject({ phase: 'Ready', instanceGroup: group, configHash });
    expect(await readFile(join(root, 'etc/hoist/boot.yaml'), 'utf8')).toContain(`instanceId: ${INSTANCE}`);
    expect(sha256(await readFile(join(root, 'opt/hoist/nodeup/nodeup.mjs')))).toBe(bundle.sha256);
    expect(await filesBelow(join(root, 'opt/hoist/node'))).toEqual(['.hoist-sha256', 'bin/node']);
    expect(metadata.requests).toContain('GET /computeMetadata/v1/instance/name');
    const log = await readFile(join(root, 'var/log/hoist-boot.log'), 'utf8');
    expect(log).toContain(`verified file://${state}/`);
    expect(log).toContain('nodeup finished');
  }, 90_000);

  it('reads a gs:// nodeup bundle with the metadata server\'s token, through the GCS JSON API', async () => {
    const key = nodeupBundleKey(NAME, bundle.sha256);
    const gcs = await FakeGcs.start({ buckets: [BUCKET], requireToken: TOKEN });
    buckets.push(gcs);
    gcs.buckets.write(BUCKET, key, bundle.body, 'application/octet-stream', {});
    const root = join(dir.path, 'machine-gcs');
    const gs = input({ storeAccess: 'gcs', nodeup: { url: `gs://${BUCKET}/${key}`, sha256: bundle.sha256 } });
    const script = await runScript(dir.path, renderBootScript(gs), scriptEnv(dir.path, root, { HOIST_METADATA_URL: metadata.url, HOIST_GCS_ENDPOINT: gcs.url, HOIST_SERVICE_MANAGER: 'supervisor' }));
    expect(await script.exited, script.output()).toBe(0);

    expect(sha256(await readFile(join(root, 'opt/hoist/nodeup/nodeup.mjs')))).toBe(bundle.sha256);
    expect(metadata.requests).toContain('GET /computeMetadata/v1/instance/service-accounts/default/token');
    expect(gcs.requests).toEqual([{ method: 'GET', path: `/storage/v1/b/${BUCKET}/o/${key}`, query: { alt: 'media' }, status: 200, token: TOKEN }]);
    expect(script.output()).toContain(`verified gs://${BUCKET}/`);
  }, 60_000);

  it('files a refused gs:// bundle in the bucket with the same token, under the name the metadata server gives', async () => {
    const tampered = Buffer.from(bundle.body);
    tampered[0] = tampered[0]! ^ 1;
    const key = `${NAME}/nodeup/tampered/nodeup.mjs`;
    const gcs = await FakeGcs.start({ buckets: [BUCKET], requireToken: TOKEN });
    buckets.push(gcs);
    gcs.buckets.write(BUCKET, key, tampered, 'application/octet-stream', {});
    const gs = input({ boot: { stateStore: `gs://${BUCKET}`, cluster: NAME, instanceGroup: group, configHash }, storeAccess: 'gcs', nodeup: { url: `gs://${BUCKET}/${key}`, sha256: bundle.sha256 } });
    const script = await runScript(dir.path, renderBootScript(gs), scriptEnv(dir.path, join(dir.path, 'machine-refused'), { HOIST_METADATA_URL: metadata.url, HOIST_GCS_ENDPOINT: gcs.url }));
    await script.waitFor(/nodeup: attempt 2 failed/);
    await script.stop();

    const statusKey = instanceStatusKey(NAME, group, INSTANCE);
    expect(gcs.requests).toContainEqual({ method: 'POST', path: `/upload/storage/v1/b/${BUCKET}/o`, query: { uploadType: 'media', name: statusKey }, status: 200, token: TOKEN });
    const report = JSON.parse(gcs.object(BUCKET, statusKey)!.toString('utf8')) as Record<string, unknown>;
    expect(report).toMatchObject({
      instanceId: INSTANCE,
      instanceGroup: group,
      phase: 'Failed',
      configHash,
      error: { task: 'Boot/download-nodeup', message: `refused gs://${BUCKET}/${key}: sha256 ${sha256(tampered)} is not the pinned ${bundle.sha256}` },
    });
    expect(script.output()).not.toContain('running nodeup');
  }, 60_000);
});
