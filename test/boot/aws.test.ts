/**
 * The boot script of an AWS node group, run with bash against loopback stand-ins: moto's S3
 * holding the state store of a cluster applied on moto (a moto of this file's own, which checks
 * every request's SigV4 signature once the cluster is set up), a fake IMDSv2 serving the
 * instance profile's session credentials and the instance id, and an HTTP mirror holding a
 * Node.js release made from this machine's `node`. The machine's credentials are a session of
 * the node group's own role, with the policy `update cluster` gave it. The script must download,
 * verify and install Node.js and nodeup under a root folder and run nodeup, which reports Ready
 * to the state store; it must refuse a nodeup bundle with one byte changed and never run it,
 * filing a failure report that `get instances` shows; and it must wait out a mirror that is
 * down and then succeed.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { parse } from 'yaml';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderBootScript } from '../../cloudup/boot/script.js';
import { nodeRuntimeAsset } from '../../src/assets/node-runtime.js';
import type { BootScriptInput } from '../../cloudup/boot/script.js';
import { instanceStatusKey, nodeupBundleKey, nodeupConfigKey } from '../../nodeup/config/keys.js';
import type { InstanceStatus } from '../../nodeup/status.js';
import { INSTANCE_COLUMNS, instanceRows } from '../../src/cli/get-instances.js';
import { renderTable } from '../../src/output/format.js';
import { hashText } from '../../nodeup/config/hash.js';
import { iamName } from '../../cloudup/aws/names.js';
import { hoist, tempDir } from '../support/cli.js';
import { useAssetMirror } from '../support/asset-mirror.js';
import { startSigningMoto } from './moto-auth.js';
import type { SigningMoto } from './moto-auth.js';
import { runScript, stopAllScripts } from './run-script.js';
import { fakeImds, freePort, serveFolder } from './servers.js';
import type { InstanceCredentials, Listening } from './servers.js';
import { filesBelow, nodeMirror, buildNodeupBundle, scriptEnv, sha256 } from './support.js';
import type { NodeMirror } from './support.js';

const NAME = 'boot.aws.example.com';
const PREFIX = 'clusters';
/** The test's own role (S3 at large), for what the test itself reads and writes once moto checks signatures. */
const ROLE = 'boot-test.boot.aws.example.com';
let dir: { path: string; cleanup: () => Promise<void> };
let moto: SigningMoto | undefined;
let credentials: InstanceCredentials;
/** The node group's own role, as `update cluster` made it with its policy, and a session of it: what the machine has. */
let nodeRole: string;
let nodeCredentials: InstanceCredentials;
let s3: S3Client;
let bucket: string;
let group: string;
let configHash: string;
let bundle: { path: string; body: Buffer; sha256: string };
let node: NodeMirror;
let mirror: Listening;
/** The boot script in the group's launch template, and the file repository its Node.js pin names. */
let launchTemplate: { script: string; fileRepository: string };
const servers: Listening[] = [];

beforeAll(async () => {
  dir = await tempDir('hoist-boot-aws-');
  moto = await startSigningMoto();
  credentials = await moto.roleSession(ROLE);
  bucket = `hoist-boot-${Date.now().toString(36)}`;
  const env = { AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
  // The cloud clients read these from this process's environment, as in the other AWS tests.
  Object.assign(process.env, env);
  bundle = await buildNodeupBundle(dir.path);
  const cliEnv = { ...env, HOIST_STATE_STORE: `s3://${bucket}/${PREFIX}`, HOIST_CLUSTER_NAME: '', HOIST_NODEUP_BUNDLE: bundle.path };
  const run = (args: string[], stdin?: string) => hoist(args, { env: cliEnv, ...(stdin === undefined ? {} : { stdin }) });

  const admin = { region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const setup = new S3Client({ ...admin, forcePathStyle: true });
  await setup.send(new CreateBucketCommand({ Bucket: bucket }));
  const route53 = new Route53Client(admin);
  await route53.send(new CreateHostedZoneCommand({ Name: 'aws.example.com', CallerReference: `${Date.now()}` }));
  route53.destroy();
  const key = join(dir.path, 'id_ed25519.pub');
  await writeFile(key, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVk6LxA0l1pLMSk9YDbH+8FbG5S5HhX2O4kAmY2Dwhj test@hoist\n');
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '1', '--dns-zone', 'aws.example.com', '--ssh-public-key', key]);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const applied = await run(['update', 'cluster', NAME, '--yes']);
  expect(applied.code, applied.stderr).toBe(0);
  const igs = await run(['get', 'instancegroups', '--name', NAME, '-o', 'json']);
  const items = (JSON.parse(igs.stdout) as { items: { metadata: { name: string }; spec: { role: string } }[] }).items;
  group = items.find((ig) => ig.spec.role === 'Node')!.metadata.name;
  const config = await setup.send(new GetObjectCommand({ Bucket: bucket, Key: `${PREFIX}/${nodeupConfigKey(NAME, group)}` }));
  configHash = hashText(await config.Body!.transformToString());
  // `update cluster --yes` published the bundle it pinned (HOIST_NODEUP_BUNDLE) under its hash.
  const published = await setup.send(new GetObjectCommand({ Bucket: bucket, Key: `${PREFIX}/${nodeupBundleKey(NAME, bundle.sha256)}` }));
  expect(sha256(await published.Body!.transformToByteArray())).toBe(bundle.sha256);
  setup.destroy();
  nodeRole = iamName(`${group}.${NAME}`);
  nodeCredentials = await moto.assume(nodeRole);
  launchTemplate = { script: await launchTemplateScript(admin, group), fileRepository: await fileRepository(run) };

  node = await nodeMirror(join(dir.path, 'mirror'));
  mirror = await serveFolder(node.dir);
  servers.push(mirror);
  // From here on moto checks every request's signature, the script's and nodeup's alike.
  await moto.checkSignatures();
  s3 = new S3Client({ region: 'us-east-1', endpoint: moto.url, forcePathStyle: true, credentials });
}, 120_000);

afterEach(async () => {
  await stopAllScripts();
});

afterAll(async () => {
  await stopAllScripts();
  await Promise.all(servers.map((s) => s.close()));
  s3?.destroy();
  await moto?.stop();
  await dir?.cleanup();
});

function input(overrides: Partial<BootScriptInput> = {}): BootScriptInput {
  return {
    boot: { stateStore: `s3://${bucket}/${PREFIX}`, cluster: NAME, instanceGroup: group, configHash },
    storeAccess: 's3',
    region: 'us-east-1',
    node: { version: node.version, url: `${mirror.url}/${node.path}`, sha256: node.sha256 },
    nodeup: { url: `s3://${bucket}/${PREFIX}/${nodeupBundleKey(NAME, bundle.sha256)}`, sha256: bundle.sha256 },
    ...overrides,
  };
}

/** The boot script of the group's latest launch template version, as the plan sent it (gzip'd). */
async function launchTemplateScript(config: EC2ClientConfig, ig: string): Promise<string> {
  const ec2 = new EC2Client(config);
  try {
    const templates = (await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [];
    for (const t of templates) {
      const versions = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: t.LaunchTemplateId, Versions: ['$Latest'] }));
      const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.UserData;
      const script = data === undefined ? '' : gunzipSync(Buffer.from(data, 'base64')).toString('utf8');
      if (script.includes(`\nINSTANCE_GROUP='${ig}'\n`)) return script;
    }
    throw new Error(`no launch template carries the boot script of ${ig}`);
  } finally {
    ec2.destroy();
  }
}

async function fileRepository(run: (args: string[]) => Promise<{ stdout: string }>): Promise<string> {
  const spec = parse((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout) as { spec: { assets: { fileRepository: string } } };
  return spec.spec.assets.fileRepository;
}

async function instance(instanceId: string): Promise<Listening> {
  const imds = await fakeImds({ instanceId, role: nodeRole, credentials: nodeCredentials });
  servers.push(imds);
  return imds;
}

async function status(instanceId: string): Promise<Record<string, unknown> | undefined> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${PREFIX}/${instanceStatusKey(NAME, group, instanceId)}` }));
    return JSON.parse(await got.Body!.transformToString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

describe('the boot script of an AWS node group', () => {
  it('is the launch template\'s, but for the Node.js pin (the official archive is not available offline)', () => {
    expect(launchTemplate.script).toBe(renderBootScript(input({ node: nodeRuntimeAsset(launchTemplate.fileRepository) })));
    expect(launchTemplate.script).not.toBe(renderBootScript(input()));
  });

  it('downloads and verifies Node.js and nodeup, installs them under the root, and nodeup reports Ready', async () => {
    const imds = await instance('i-0b0070000000000a1');
    const root = join(dir.path, 'machine-a');
    const script = await runScript(dir.path, renderBootScript(input()), scriptEnv(dir.path, root, { HOIST_METADATA_URL: imds.url, HOIST_S3_ENDPOINT: moto!.url }));
    expect(await script.exited, script.output()).toBe(0);

    expect(await status('i-0b0070000000000a1')).toMatchObject({ phase: 'Ready', instanceGroup: group, configHash });
    expect(sha256(await readFile(join(root, 'opt/hoist/nodeup/nodeup.mjs')))).toBe(bundle.sha256);
    expect(await filesBelow(join(root, 'opt/hoist/node'))).toEqual(['.hoist-sha256', 'bin/node']);
    const boot = await readFile(join(root, 'etc/hoist/boot.yaml'), 'utf8');
    expect(boot).toContain(`configHash: ${configHash}`);
    expect(boot).toContain('instanceId: i-0b0070000000000a1');
    const log = await readFile(join(root, 'var/log/hoist-boot.log'), 'utf8');
    for (const line of [`verified ${mirror.url}/${node.path}`, `verified s3://${bucket}/`, 'running nodeup', 'nodeup finished']) expect(log).toContain(line);
    // The credentials came from IMDSv2 (a token first), for the script and for the AWS SDK in nodeup.
    const asked = imds.requests.filter((r) => r === `GET /latest/meta-data/iam/security-credentials/${nodeRole}`);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(imds.requests).toContain('PUT /latest/api/token');
    // moto checked the signatures: an unsigned read of the same object is refused.
    expect((await fetch(`${moto!.url}/${bucket}/${PREFIX}/${nodeupBundleKey(NAME, bundle.sha256)}`)).status).toBe(403);

    // A reboot: everything is there with the right hash, so nothing is downloaded again.
    const again = await runScript(dir.path, renderBootScript(input()), scriptEnv(dir.path, root, { HOIST_METADATA_URL: imds.url, HOIST_S3_ENDPOINT: moto!.url }));
    expect(await again.exited, again.output()).toBe(0);
    expect(again.output()).toContain(`Node.js ${node.version} is already installed`);
    expect(again.output()).toContain('nodeup is already installed');
    expect(again.output()).not.toContain('downloading');
  }, 90_000);

  it('refuses a nodeup bundle with one byte changed, retries, and never runs it', async () => {
    const tampered = Buffer.from(bundle.body);
    tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 1;
    // Where the node's policy lets it read (nodeup/), under a name that is not the bundle's hash.
    const key = `${PREFIX}/${NAME}/nodeup/tampered/nodeup.mjs`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: tampered }));
    const imds = await instance('i-0b0070000000000b2');
    const root = join(dir.path, 'machine-b');
    const rendered = renderBootScript(input({ nodeup: { url: `s3://${bucket}/${key}`, sha256: bundle.sha256 } }));
    const script = await runScript(dir.path, rendered, scriptEnv(dir.path, root, { HOIST_METADATA_URL: imds.url, HOIST_S3_ENDPOINT: moto!.url }));
    await script.waitFor(/nodeup: attempt 3 failed/);
    await script.stop();

    const refusals = script.output().match(/refused s3:\/\/\S+: sha256 [0-9a-f]{64} is not the pinned [0-9a-f]{64}/g) ?? [];
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    expect(refusals[0]).toContain(`sha256 ${sha256(tampered)} is not the pinned ${bundle.sha256}`);
    expect(script.output()).not.toContain('running nodeup');
    expect(await filesBelow(join(root, 'opt/hoist/nodeup'))).toEqual([]);
    for (const file of await filesBelow(root)) expect(sha256(await readFile(join(root, file))), file).not.toBe(sha256(tampered));

    // The machine says why where the user looks: a failure report in its status object, written
    // with its own identity (moto checked the PUT's signature), which get instances shows.
    const report = await status('i-0b0070000000000b2');
    expect(report).toMatchObject({
      instanceId: 'i-0b0070000000000b2',
      cluster: NAME,
      instanceGroup: group,
      phase: 'Failed',
      configHash,
      error: { task: 'Boot/download-nodeup', message: `refused s3://${bucket}/${key}: sha256 ${sha256(tampered)} is not the pinned ${bundle.sha256}` },
    });
    const error = report!['error'] as { attempt: number };
    expect(error.attempt).toBeGreaterThanOrEqual(3);
    expect(Date.now() - Date.parse(String(report!['updatedAt']))).toBeLessThan(60_000);
    const machine = { id: 'i-0b0070000000000b2', instanceGroup: group, role: 'Node', state: 'running', launchedAt: new Date().toISOString() };
    const rows = instanceRows([machine], new Map([[machine.id, report as unknown as InstanceStatus]]), new Map([[group, configHash]]));
    expect(rows[0]).toMatchObject({ phase: 'Failed', config: 'current', lastError: { task: 'Boot/download-nodeup', attempt: error.attempt } });
    const table = renderTable(rows, INSTANCE_COLUMNS);
    expect(table).toContain(`Failed`);
    expect(table).toContain(`Boot/download-nodeup: refused s3://${bucket}/${key}: sha256 ${sha256(tampered)} is not the pinned ${bundle.sha256} (attempt ${error.attempt})`);
  }, 60_000);

  it("lets the node's role write its own group's reports and nothing else of the state store", async () => {
    const machine = new S3Client({ region: 'us-east-1', endpoint: moto!.url, forcePathStyle: true, credentials: nodeCredentials });
    try {
      const put = (key: string) => machine.send(new PutObjectCommand({ Bucket: bucket, Key: `${PREFIX}/${key}`, Body: '{}\n' }));
      await put(instanceStatusKey(NAME, group, 'i-0b00700000000000d4'));
      for (const key of [instanceStatusKey(NAME, 'control-plane-us-east-1a', 'i-0b00700000000000d4'), nodeupConfigKey(NAME, group), nodeupBundleKey(NAME, bundle.sha256)]) {
        await expect(put(key), key).rejects.toThrow(/denied/i);
      }
    } finally {
      machine.destroy();
    }
  });

  it('waits while the mirror is down for 10 s, then succeeds', async () => {
    const imds = await instance('i-0b0070000000000c3');
    const root = join(dir.path, 'machine-c');
    const port = await freePort();
    const down = `http://127.0.0.1:${port}`;
    const started = Date.now();
    const script = await runScript(dir.path, renderBootScript(input({ node: { version: node.version, url: `${down}/${node.path}`, sha256: node.sha256 } })), scriptEnv(dir.path, root, { HOIST_METADATA_URL: imds.url, HOIST_S3_ENDPOINT: moto!.url }));
    await script.waitFor(new RegExp(`Node.js ${node.version}: attempt 1 failed`));
    // The outage lasts 10 s from the script's start, whatever it does meanwhile.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - started))));
    servers.push(await serveFolder(node.dir, port));
    expect(await script.exited, script.output()).toBe(0);

    const attempts = script.output().match(new RegExp(`Node.js ${node.version}: attempt \\d+ failed`, 'g')) ?? [];
    expect(attempts.length).toBeGreaterThanOrEqual(5);
    expect(script.output()).toContain(`verified ${down}/${node.path}`);
    expect(await status('i-0b0070000000000c3')).toMatchObject({ phase: 'Ready', configHash });
  }, 60_000);
});
