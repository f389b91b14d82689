/**
 * The boot script of a GCE node group, run with bash against loopback stand-ins: a fake
 * metadata server (the instance's name, the service account's access token), a fake GCS bucket
 * on the XML API holding the nodeup bundle (it refuses a request without the token), and an
 * HTTP mirror holding a Node.js release made from this machine's `node`. The cluster is applied
 * on the fake Compute API with its state store on file:// (hoist's state store has no gs://
 * backend), which nodeup reads; the script reaches the bundle through GCS as a GCE machine would.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderBootScript } from '../../cloudup/boot/script.js';
import { hashText } from '../../nodeup/config/hash.js';
import { instanceStatusKey, nodeupBundleKey, nodeupConfigKey } from '../../nodeup/config/keys.js';
import { hoist, tempDir } from '../support/cli.js';
import { useAssetMirror } from '../support/asset-mirror.js';
import type { FakeCompute } from '../gce/fake/server.js';
import { PROJECT, cliEnv, startFake } from '../gce/support.js';
import { runScript, stopAllScripts } from './run-script.js';
import { fakeGceMetadata, fakeGcs, serveFolder } from './servers.js';
import type { Listening } from './servers.js';
import { buildNodeupBundle, filesBelow, nodeMirror, scriptEnv, sha256 } from './support.js';

const NAME = 'boot-gce.k8s.local';
const BUCKET = 'hoist-boot-state';
const TOKEN = 'ya29.boot-test-token';
let dir: { path: string; cleanup: () => Promise<void> };
let fake: FakeCompute | undefined;
const servers: Listening[] = [];

beforeAll(async () => {
  dir = await tempDir('hoist-boot-gce-');
  fake = await startFake();
}, 60_000);

afterEach(async () => {
  await stopAllScripts();
});

afterAll(async () => {
  await stopAllScripts();
  await Promise.all(servers.map((s) => s.close()));
  await fake?.stop();
  await dir?.cleanup();
});

describe('the boot script of a GCE node group', () => {
  it('takes its name and token from the metadata server, reads nodeup from GCS, and nodeup reports Ready', async () => {
    const state = join(dir.path, 'state');
    const bundle = await buildNodeupBundle(dir.path);
    const env = { ...cliEnv(fake!, `file://${state}`), HOIST_NODEUP_BUNDLE: bundle.path };
    const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
    const created = await run(['create', 'cluster', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '1']);
    expect(created.code, created.stderr).toBe(0);
    await useAssetMirror(run, NAME, join(dir.path, 'assets'));
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    const igs = JSON.parse((await run(['get', 'instancegroups', '--name', NAME, '-o', 'json'])).stdout) as { items: { metadata: { name: string }; spec: { role: string } }[] };
    const group = igs.items.find((ig) => ig.spec.role === 'Node')!.metadata.name;
    const configHash = hashText(await readFile(join(state, nodeupConfigKey(NAME, group)), 'utf8'));

    const object = join(dir.path, 'gcs', BUCKET, nodeupBundleKey(NAME, bundle.sha256));
    await mkdir(dirname(object), { recursive: true });
    await writeFile(object, bundle.body);
    const gcs = await fakeGcs(join(dir.path, 'gcs'), TOKEN);
    const metadata = await fakeGceMetadata({ name: 'boot-gce-nodes-7x2k', accessToken: TOKEN });
    const node = await nodeMirror(join(dir.path, 'mirror'));
    const mirror = await serveFolder(node.dir);
    servers.push(gcs, metadata, mirror);

    const root = join(dir.path, 'machine');
    const script = await runScript(
      dir.path,
      renderBootScript({
        boot: { stateStore: `file://${state}`, cluster: NAME, instanceGroup: group, configHash },
        storeAccess: 'gcs',
        node: { version: node.version, url: `${mirror.url}/${node.path}`, sha256: node.sha256 },
        nodeup: { url: `gs://${BUCKET}/${nodeupBundleKey(NAME, bundle.sha256)}`, sha256: bundle.sha256 },
      }),
      scriptEnv(dir.path, root, { HOIST_METADATA_URL: metadata.url, HOIST_GCS_ENDPOINT: gcs.url }),
    );
    expect(await script.exited, script.output()).toBe(0);

    const status = JSON.parse(await readFile(join(state, instanceStatusKey(NAME, group, 'boot-gce-nodes-7x2k')), 'utf8')) as Record<string, unknown>;
    expect(status).toMatchObject({ phase: 'Ready', instanceGroup: group, configHash });
    expect(await readFile(join(root, 'etc/hoist/boot.yaml'), 'utf8')).toContain('instanceId: boot-gce-nodes-7x2k');
    expect(sha256(await readFile(join(root, 'opt/hoist/nodeup/nodeup.mjs')))).toBe(bundle.sha256);
    expect(await filesBelow(join(root, 'opt/hoist/node'))).toEqual(['.hoist-sha256', 'bin/node']);
    expect(metadata.requests).toEqual(['GET /computeMetadata/v1/instance/service-accounts/default/token', 'GET /computeMetadata/v1/instance/name']);
    expect(gcs.requests).toEqual([`GET /${BUCKET}/${nodeupBundleKey(NAME, bundle.sha256)}`]);
    const log = await readFile(join(root, 'var/log/hoist-boot.log'), 'utf8');
    expect(log).toContain(`verified gs://${BUCKET}/`);
    expect(log).toContain('nodeup finished');
  }, 90_000);
});
