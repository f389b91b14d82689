/**
 * A GCE cluster whose state store is gs://, end to end: the CLI against the fake Compute API and
 * the fake GCS JSON API applies it, plans no change, and a machine of its node group boots from
 * the bucket the way a GCE machine does (its startup script, then nodeup, both with the
 * metadata server's token and nothing else: the fake GCS refuses any other caller), reporting
 * Ready into the bucket; then a roll through the groups, and delete removes the cloud's objects
 * and the cluster's state. Each group runs as a service account of its own: the bindings hoist
 * makes on the bucket (IAM Conditions on the objects' names) let the node group's account read
 * its own configuration and the issued certificates only, which the fake GCS enforces on the
 * booting machine's calls; other people's bindings on the project and the bucket are kept. Then
 * the spec names an existing account (kops's cloudConfig.gceServiceAccount): hoist's accounts
 * and project roles go, every template runs as it, and it alone is bound on the bucket, as the
 * control plane; delete cluster takes that binding off and keeps the account.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { renderBootScript } from '../../cloudup/boot/script.js';
import { hashText } from '../../nodeup/config/hash.js';
import { instanceStatusKey, nodeupBundleKey, nodeupConfigKey } from '../../nodeup/config/keys.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { nodeRuntimeAsset } from '../../src/assets/node-runtime.js';
import type { Plan } from '../../src/engine/plan.js';
import { accountEmail, accountId, memberOf } from '../../cloudup/gce/iam-names.js';
import { hoist, tempDir } from '../support/cli.js';
import { gcsEnv } from '../support/fake-gcs/env.js';
import { FakeGcs } from '../support/fake-gcs/server.js';
import { runScript, stopAllScripts } from '../boot/run-script.js';
import { fakeGceMetadata, serveFolder } from '../boot/servers.js';
import type { Listening } from '../boot/servers.js';
import { buildNodeupBundle, nodeMirror, scriptEnv } from '../boot/support.js';
import { iamOf } from './fake/iam.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake, useAssetMirror, waitFor } from './support.js';

const NAME = 'gs-store.k8s.local';
const SAFE = 'gs-store-k8s-local';
const BUCKET = 'hoist-gce-state';
const STORE = `gs://${BUCKET}/clusters`;
const TOKEN = 'ya29.node-service-account';
const NODES = 'nodes-us-central1-a';
/** An account of the project's own, which the spec names once the cluster runs (cloudConfig.gceServiceAccount). */
const SHARED = `k8s-shared@${PROJECT}.iam.gserviceaccount.com`;
const INSTANCE = 'nodes-us-central1-a-x7k2';
let fake: FakeCompute;
let gcs: FakeGcs;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let bundle: { path: string; sha256: string };
const servers: Listening[] = [];
const CP = 'control-plane-us-central1-a';
const nodesAccount = accountId(NAME, { group: NODES });
const cpAccount = accountId(NAME, { controlPlane: true });
const nodesMember = memberOf(accountEmail(nodesAccount, PROJECT));
const cpMember = memberOf(accountEmail(cpAccount, PROJECT));
// Someone else's grants, which hoist must keep.
const ALICE = { role: 'roles/storage.objectViewer', members: ['user:alice@example.com'] };
const PROJECT_ALICE = { role: 'roles/viewer', members: ['user:alice@example.com'] };
const key = (k: string) => `clusters/${NAME}/${k}`;

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
  iamOf(fake.state).setBindings(PROJECT, [PROJECT_ALICE]);
  const bucket = gcs.iam.policy(BUCKET);
  gcs.iam.write(BUCKET, { version: 1, etag: bucket.etag, bindings: [...bucket.bindings, ALICE] });
}, 120_000);

afterAll(async () => {
  await stopAllScripts();
  await Promise.all(servers.map((s) => s.close()));
  await gcs?.stop();
  await fake?.stop();
  await dir?.cleanup();
});

describe('a GCE cluster with its state on gs://', () => {
  it('plans a service account per role and bucket bindings that name only the node group\'s own configuration', async () => {
    const plan = await planJson();
    const created = (kind: string) => plan.changes.filter((c) => c.kind === kind && c.action === 'create').map((c) => c.name).sort();
    expect(created('ServiceAccount')).toEqual([cpAccount, nodesAccount].sort());
    expect(created('ProjectIamMember')).toEqual(
      [`${cpAccount}:roles/container.serviceAgent`, `${cpAccount}:roles/logging.logWriter`, `${cpAccount}:roles/monitoring.metricWriter`, `${nodesAccount}:roles/logging.logWriter`, `${nodesAccount}:roles/monitoring.metricWriter`].sort(),
    );
    expect(created('BucketIamMember')).toEqual([`${cpAccount}:roles/storage.objectUser`, `${nodesAccount}:roles/storage.objectUser`, `${nodesAccount}:roles/storage.objectViewer`].sort());
    const read = JSON.stringify(plan.changes.find((c) => c.name === `${nodesAccount}:roles/storage.objectViewer`)!.changes);
    for (const under of [`igconfig/${NODES}/`, 'pki/issued/', 'nodeup/']) expect(read).toContain(`resource.name.startsWith(\\"projects/_/buckets/${BUCKET}/objects/${key(under)}\\")`);
    expect(read).not.toContain('pki/private');
    expect(read).not.toContain(`igconfig/${CP}`);
    expect(plan.changes.find((c) => c.kind === 'InstanceTemplate' && c.name.startsWith(`${NODES}-`))!.dependsOn).toContain(`ServiceAccount/${nodesAccount}`);
  });

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

  it('binds the accounts in the fakes: a node reads its own configuration and the issued certificates only; others\' grants are kept', async () => {
    const accounts = [...iamOf(fake.state).accounts.values()].filter((a) => a.description === `hoist.dev/cluster=${NAME}`);
    expect(accounts.map((a) => a.email).sort()).toEqual([accountEmail(cpAccount, PROJECT), accountEmail(nodesAccount, PROJECT)].sort());
    const template = (group: string) => fake.resources('instanceTemplates').find((t) => String(t.name).startsWith(`${group}-`))!['properties'] as { serviceAccounts: { email: string }[] };
    expect(template(NODES).serviceAccounts[0]!.email).toBe(accountEmail(nodesAccount, PROJECT));
    expect(template(CP).serviceAccounts[0]!.email).toBe(accountEmail(cpAccount, PROJECT));
    expect(iamOf(fake.state).rolesOf(PROJECT, nodesMember)).toEqual(['roles/logging.logWriter', 'roles/monitoring.metricWriter']);
    expect(iamOf(fake.state).rolesOf(PROJECT, cpMember)).toEqual(['roles/container.serviceAgent', 'roles/logging.logWriter', 'roles/monitoring.metricWriter']);
    expect(iamOf(fake.state).policy(PROJECT).bindings).toContainEqual(PROJECT_ALICE);
    expect(gcs.iam.policy(BUCKET).bindings).toContainEqual(ALICE);

    const may = (member: string, permission: Parameters<typeof gcs.iam.allows>[2], k?: string) => gcs.iam.allows(BUCKET, member, permission, k === undefined ? undefined : key(k));
    expect(may(nodesMember, 'storage.objects.get', `igconfig/${NODES}/nodeup.yaml`)).toBe(true);
    expect(may(nodesMember, 'storage.objects.get', 'pki/issued/kubernetes-ca/keyset.yaml')).toBe(true);
    expect(may(nodesMember, 'storage.objects.get', `nodeup/${bundle.sha256}/nodeup.mjs`)).toBe(true);
    expect(may(nodesMember, 'storage.objects.create', `status/instances/${NODES}/${INSTANCE}.json`)).toBe(true);
    // Not another group's configuration, the CA's private key, the spec, nor a listing.
    expect(may(nodesMember, 'storage.objects.get', `igconfig/${CP}/nodeup.yaml`)).toBe(false);
    expect(may(nodesMember, 'storage.objects.get', 'pki/private/kubernetes-ca/keyset.yaml')).toBe(false);
    expect(may(nodesMember, 'storage.objects.get', 'config')).toBe(false);
    expect(may(nodesMember, 'storage.objects.create', `igconfig/${NODES}/nodeup.yaml`)).toBe(false);
    expect(may(nodesMember, 'storage.objects.create', `status/instances/${CP}/x.json`)).toBe(false);
    expect(may(nodesMember, 'storage.objects.list')).toBe(false);
    expect(gcs.iam.allows(BUCKET, nodesMember, 'storage.objects.get', `clusters/${NAME}x/igconfig/${NODES}/nodeup.yaml`)).toBe(false);
    // The control plane: the cluster's folder, private keys included, and a listing; not another cluster's.
    expect(may(cpMember, 'storage.objects.get', 'pki/private/kubernetes-ca/keyset.yaml')).toBe(true);
    expect(may(cpMember, 'storage.objects.create', 'backups/etcd/main/x')).toBe(true);
    expect(may(cpMember, 'storage.objects.list')).toBe(true);
    expect(gcs.iam.allows(BUCKET, cpMember, 'storage.objects.get', 'clusters/other.k8s.local/config')).toBe(false);
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
    // The machine's calls are the node group's account's, checked against the bucket's policy.
    gcs.members.set(TOKEN, nodesMember);
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
      gcs.members.delete(TOKEN);
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

  it('runs every machine as an existing account once the spec names one: hoist\'s accounts and roles go, the account gets the control plane\'s bucket binding', async () => {
    const made = await fetch(`${fake.url}/v1/projects/${PROJECT}/serviceAccounts`, { method: 'POST', body: JSON.stringify({ accountId: 'k8s-shared', serviceAccount: { displayName: 'the platform team\'s' } }) });
    expect(made.status).toBe(200);
    const cluster = parse((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout) as Cluster;
    const replaced = await run(['replace', '-f', '-'], stringify({ ...cluster, spec: { ...cluster.spec, cloudConfig: { ...cluster.spec.cloudConfig, gceServiceAccount: SHARED } } }));
    expect(replaced.code, replaced.stderr).toBe(0);
    const plan = await planJson();
    const names = (kind: string, action: string) => plan.changes.filter((c) => c.kind === kind && c.action === action).map((c) => c.name).sort();
    expect(names('ServiceAccount', 'delete')).toEqual([cpAccount, nodesAccount].sort());
    expect(names('ProjectIamMember', 'delete')).toHaveLength(5);
    expect(names('BucketIamMember', 'delete')).toHaveLength(3);
    expect(names('BucketIamMember', 'create')).toEqual([`${SHARED}:roles/storage.objectUser`]);
    expect(plan.changes.filter((c) => c.action === 'create' && /^(ServiceAccount|ProjectIamMember)$/.test(c.kind))).toEqual([]);

    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const templates = fake.resources('instanceTemplates').filter((t) => t.description === `hoist.dev/cluster=${NAME}`);
    expect(templates.map((t) => (t['properties'] as { serviceAccounts: { email: string }[] }).serviceAccounts[0]!.email)).toEqual(templates.map(() => SHARED));
    expect([...iamOf(fake.state).accounts.values()].map((a) => a.email)).toEqual([SHARED]);
    expect(iamOf(fake.state).policy(PROJECT).bindings).toEqual([PROJECT_ALICE]);
    const sharedMember = memberOf(SHARED);
    expect(gcs.iam.allows(BUCKET, sharedMember, 'storage.objects.get', key('pki/private/kubernetes-ca/keyset.yaml'))).toBe(true);
    expect(gcs.iam.allows(BUCKET, sharedMember, 'storage.objects.get', 'clusters/other.k8s.local/config')).toBe(false);
    expect(gcs.iam.allows(BUCKET, nodesMember, 'storage.objects.get', key(`igconfig/${NODES}/nodeup.yaml`))).toBe(false);
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
    // Its accounts and their bindings are gone; other people's grants are as they were.
    expect([...iamOf(fake.state).accounts.values()].filter((a) => a.description === `hoist.dev/cluster=${NAME}`)).toEqual([]);
    expect(iamOf(fake.state).policy(PROJECT).bindings).toEqual([PROJECT_ALICE]);
    expect(gcs.iam.policy(BUCKET).bindings.flatMap((b) => b.members).filter((m) => m.includes('.iam.gserviceaccount.com'))).toEqual([]);
    expect(gcs.iam.policy(BUCKET).bindings).toContainEqual(ALICE);
    // The existing account is its owner's: kept.
    expect([...iamOf(fake.state).accounts.values()].map((a) => a.email)).toEqual([SHARED]);
  });
});
