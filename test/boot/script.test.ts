/**
 * The boot script renderer: every variant is valid bash, pins what it is given, quotes what it
 * carries, refuses input it cannot carry, fits AWS's 16 KB user-data limit, and each service
 * manager mode does what it says (run with a small stand-in Node.js whose `node` is this
 * machine's, and a stand-in nodeup that prints what it was given).
 */

import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderBootScript } from '../../cloudup/boot/script.js';
import type { BootScriptInput } from '../../cloudup/boot/script.js';
import { BOOT_SCRIPT_BODY } from '../../cloudup/boot/template.js';
import { instanceStatusKey } from '../../nodeup/config/keys.js';
import { runBootScript } from '../../cloudup/local/boot-script.js';
import { tempDir } from '../support/cli.js';
import { runScript, stopAllScripts } from './run-script.js';
import { fakeImds, freePort } from './servers.js';
import type { Listening } from './servers.js';
import { filesBelow, scriptEnv, sha256 } from './support.js';

const run = promisify(execFile);
const HASH = 'sha256:' + 'c'.repeat(64);
const base: BootScriptInput = {
  boot: { stateStore: 's3://state-bucket/clusters', cluster: 'a.example.com', instanceGroup: 'nodes-us-east-1a', configHash: HASH },
  storeAccess: 's3',
  region: 'eu-west-3',
  node: { version: '20.20.2', url: 'https://nodejs.org/dist/v20.20.2/node-v20.20.2-linux-x64.tar.gz', sha256: 'a'.repeat(64) },
  nodeup: { url: 's3://state-bucket/clusters/a.example.com/nodeup/' + 'b'.repeat(64) + '/nodeup.mjs', sha256: 'b'.repeat(64) },
};

let dir: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('hoist-boot-script-');
});
afterEach(async () => {
  await stopAllScripts();
});
afterAll(async () => {
  await dir?.cleanup();
});

/** What the script's header sets, as bash sees it (the header alone, then the variables printed). */
async function headerValues(script: string, names: readonly string[], env: Record<string, string> = {}): Promise<Record<string, string>> {
  const header = script.slice(0, script.indexOf(BOOT_SCRIPT_BODY));
  const print = names.map((n) => `printf '%s\\0' "$${n}"`).join('\n');
  const { stdout } = await run('bash', ['-c', `${header}\n${print}`], { cwd: dir.path, env: { PATH: process.env['PATH'] ?? '', ...env } });
  const values = stdout.split('\0');
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}

describe('renderBootScript', () => {
  it('renders valid bash for S3, GCS and file stores', async () => {
    const variants: BootScriptInput[] = [
      base,
      { ...base, storeAccess: 'gcs', region: undefined, nodeup: { ...base.nodeup, url: 'gs://state/c/nodeup/x/nodeup.mjs' } },
      { ...base, storeAccess: 'file', region: undefined, nodeup: { ...base.nodeup, url: 'file:///var/hoist/state/c/nodeup/x/nodeup.mjs' } },
    ];
    for (const input of variants) {
      const path = join(dir.path, `syntax-${input.storeAccess}.sh`);
      const script = renderBootScript(input);
      expect(script.startsWith('#!/bin/bash\n')).toBe(true);
      await writeFile(path, script);
      await expect(run('bash', ['-n', path])).resolves.toBeDefined();
    }
  });

  it('pins the hashes and URLs, and defaults each endpoint for its cloud unless the environment says otherwise', async () => {
    const names = ['HOIST_ROOT', 'HOIST_METADATA_URL', 'HOIST_S3_ENDPOINT', 'HOIST_GCS_ENDPOINT', 'HOIST_BOOT_LOG', 'HOIST_SERVICE_MANAGER', 'HOIST_NODE_URL', 'NODE_SHA256', 'NODEUP_URL', 'NODEUP_SHA256', 'METADATA', 'REGION'];
    expect(await headerValues(renderBootScript(base), names)).toEqual({
      HOIST_ROOT: '',
      HOIST_METADATA_URL: 'http://169.254.169.254',
      HOIST_S3_ENDPOINT: 'https://s3.eu-west-3.amazonaws.com',
      HOIST_GCS_ENDPOINT: 'https://storage.googleapis.com',
      HOIST_BOOT_LOG: '/var/log/hoist-boot.log',
      HOIST_SERVICE_MANAGER: 'systemd',
      HOIST_NODE_URL: base.node.url,
      NODE_SHA256: base.node.sha256,
      NODEUP_URL: base.nodeup.url,
      NODEUP_SHA256: base.nodeup.sha256,
      METADATA: 'aws',
      REGION: 'eu-west-3',
    });
    const gce = await headerValues(renderBootScript({ ...base, storeAccess: 'gcs' }), ['HOIST_METADATA_URL', 'METADATA']);
    expect(gce).toEqual({ HOIST_METADATA_URL: 'http://metadata.google.internal', METADATA: 'gce' });
    expect(await headerValues(renderBootScript({ ...base, storeAccess: 'file' }), ['METADATA'])).toEqual({ METADATA: 'none' });
    const overridden = await headerValues(renderBootScript(base), ['HOIST_METADATA_URL', 'HOIST_S3_ENDPOINT'], { HOIST_METADATA_URL: 'http://127.0.0.1:1', HOIST_S3_ENDPOINT: 'http://127.0.0.1:2' });
    expect(overridden).toEqual({ HOIST_METADATA_URL: 'http://127.0.0.1:1', HOIST_S3_ENDPOINT: 'http://127.0.0.1:2' });
  });

  it('carries names with quotes and shell syntax as plain text', async () => {
    const cluster = `it's $(touch pwned) \`id\` "x"`;
    const boot = { ...base.boot, cluster, instanceGroup: "g'1", healthPorts: [10248, 10256] };
    const values = await headerValues(renderBootScript({ ...base, boot }), ['BOOT_YAML', 'CLUSTER', 'INSTANCE_GROUP']);
    expect(parse(values['BOOT_YAML']!)).toEqual(boot);
    expect(values['CLUSTER']).toBe(cluster);
    expect(values['INSTANCE_GROUP']).toBe("g'1");
    expect(await filesBelow(dir.path)).not.toContain('pwned');
  });

  it('refuses a hash, URL or region it cannot pin, naming the field and the value', () => {
    expect(() => renderBootScript({ ...base, nodeup: { ...base.nodeup, sha256: 'B'.repeat(64) } })).toThrow(/nodeup\.sha256: "B{64}" is not a lower-case hex sha256/);
    expect(() => renderBootScript({ ...base, node: { ...base.node, url: 'https://mirror/a b.tar.gz' } })).toThrow(/node\.url: "https:\/\/mirror\/a b\.tar\.gz" is not/);
    expect(() => renderBootScript({ ...base, nodeup: { ...base.nodeup, url: 's3://bucket/"$(reboot)"' } })).toThrow(/nodeup\.url/);
    expect(() => renderBootScript({ ...base, region: 'eu west' })).toThrow(/region: "eu west" is not an AWS region \(e\.g\. us-east-1\)/);
  });

  it('fits the 16 KB AWS user-data limit for a large group, raw and gzipped', () => {
    const long = 'a-very-long-cluster-name-of-a-team-that-names-things-fully.production.eu-central-1.example.com';
    const script = renderBootScript({
      ...base,
      boot: { stateStore: `s3://${'s'.repeat(63)}/${'p'.repeat(200)}`, cluster: long, instanceGroup: 'n'.repeat(63), configHash: HASH, healthPorts: Array.from({ length: 20 }, (_, i) => 10_000 + i) },
      node: { ...base.node, url: `https://${'m'.repeat(100)}.example.com/${'d'.repeat(200)}/nodejs/v20.20.2/node-v20.20.2-linux-x64.tar.gz` },
      nodeup: { url: `s3://${'s'.repeat(63)}/${'p'.repeat(200)}/${long}/nodeup/${'b'.repeat(64)}/nodeup.mjs`, sha256: 'b'.repeat(64) },
    });
    const raw = Buffer.byteLength(script);
    const gzipped = gzipSync(script, { level: 9 }).length;
    expect(raw, `raw ${raw} bytes`).toBeLessThan(16_384);
    expect(gzipped, `gzipped ${gzipped} bytes`).toBeLessThan(16_384);
  });
});

describe('the service manager modes', () => {
  let imds: Listening;
  let input: BootScriptInput;
  beforeAll(async () => {
    // A Node.js release whose bin/node runs this machine's node, and a nodeup that prints what it got.
    const release = join(dir.path, 'release');
    const bin = join(release, 'node-v20.20.2-linux-x64', 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'node'), `#!/bin/sh\nexec '${process.execPath}' "$@"\n`);
    await chmod(join(bin, 'node'), 0o755);
    const archive = join(dir.path, 'node.tar.gz');
    await run('tar', ['-czf', archive, '-C', release, 'node-v20.20.2-linux-x64']);
    const nodeup = join(dir.path, 'nodeup.mjs');
    const keys = ['AWS_REGION', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_ENDPOINT_URL_S3'];
    await writeFile(nodeup, `console.log('NODEUP ' + JSON.stringify({ argv: process.argv.slice(2), env: Object.fromEntries(${JSON.stringify(keys)}.map((k) => [k, process.env[k]])) }));\n`);
    imds = await fakeImds({ instanceId: 'i-0123456789abcdef0', role: 'nodes', credentials: { accessKeyId: 'AKIA', secretAccessKey: 's', sessionToken: 't' } });
    input = {
      ...base,
      boot: { ...base.boot, stateStore: `file://${dir.path}/state` },
      storeAccess: 'file',
      metadata: 'aws',
      node: { version: '20.20.2', url: pathToFileURL(archive).href, sha256: sha256(await readFile(archive)) },
      nodeup: { url: nodeup, sha256: sha256(await readFile(nodeup)) },
    };
  });
  afterAll(async () => {
    await imds?.close();
  });

  const boot = async (name: string, manager: string) => {
    const root = join(dir.path, name);
    const env = scriptEnv(dir.path, root, { HOIST_SERVICE_MANAGER: manager, HOIST_METADATA_URL: imds.url, HOIST_S3_ENDPOINT: 'http://127.0.0.1:9' });
    const script = await runScript(dir.path, renderBootScript(input), env);
    return { root, code: await script.exited, output: script.output() };
  };

  it('none: runs nodeup in the foreground with the endpoint overrides and the root', async () => {
    const { root, code, output } = await boot('fg', 'none');
    expect(code, output).toBe(0);
    const printed = JSON.parse(/^NODEUP (.*)$/m.exec(output)![1]!) as { argv: string[]; env: Record<string, string> };
    expect(printed.argv).toEqual(['nodeup', '--conf', join(root, 'etc/hoist/boot.yaml'), '--root', root]);
    expect(printed.env).toEqual({ AWS_REGION: 'eu-west-3', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' });
    expect(parse(await readFile(join(root, 'etc/hoist/boot.yaml'), 'utf8'))).toEqual({ ...input.boot, instanceId: 'i-0123456789abcdef0' });
  });

  it('systemd: writes hoist-nodeup.service, started on every boot, with the same overrides; under a root it does not touch systemctl', async () => {
    const { root, code, output } = await boot('unit', 'systemd');
    expect(code, output).toBe(0);
    expect(output).not.toContain('NODEUP');
    const unit = await readFile(join(root, 'etc/systemd/system/hoist-nodeup.service'), 'utf8');
    expect(unit).toContain('ExecStart=/opt/hoist/node/bin/node /opt/hoist/nodeup/nodeup.mjs nodeup --conf /etc/hoist/boot.yaml\n');
    expect(unit).toContain(`Environment="AWS_EC2_METADATA_SERVICE_ENDPOINT=${imds.url}"\n`);
    expect(unit).toContain('Environment="AWS_ENDPOINT_URL_S3=http://127.0.0.1:9"\n');
    expect(unit).toContain('WantedBy=multi-user.target\n');
    expect(unit).toContain('Restart=on-failure\n');
    expect(output).toContain('not enabling hoist-nodeup.service: HOIST_ROOT is set');
  });

  it('supervisor: installs and writes the boot configuration, and leaves nodeup to the supervisor', async () => {
    const { root, code, output } = await boot('sup', 'supervisor');
    expect(code, output).toBe(0);
    expect(output).not.toContain('NODEUP');
    expect(await filesBelow(join(root, 'opt/hoist'))).toEqual(['node/.hoist-sha256', 'node/bin/node', 'nodeup/nodeup.mjs']);
    expect(await filesBelow(join(root, 'etc'))).toEqual(['hoist/boot.yaml']);
  });

  it('waits 1 s, 2 s, 4 s … between tries, up to HOIST_BOOT_RETRY_MAX', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/node.tar.gz`;
    const env = scriptEnv(dir.path, join(dir.path, 'backoff'), { HOIST_BOOT_RETRY_MAX: '2', HOIST_NODE_URL: closed, HOIST_METADATA_URL: imds.url });
    const script = await runScript(dir.path, renderBootScript(input), env);
    await script.waitFor(/attempt 4 failed/);
    await script.stop();
    // Each failed try is filed as the machine's last boot error, under the name IMDS gave.
    const filed = await report('i-0123456789abcdef0');
    expect(filed).toMatchObject({ phase: 'Failed', error: { task: 'Boot/download-nodejs', message: `could not download ${closed}` } });
    expect((filed['error'] as { attempt: number }).attempt).toBeGreaterThanOrEqual(4);
    const waits = [...script.output().matchAll(/Node\.js 20\.20\.2: attempt (\d) failed; retrying in (\d+)s/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(waits.slice(0, 4)).toEqual(['1:1', '2:2', '3:2', '4:2']);
    expect(script.output()).toContain(`could not download ${closed}`);
  });

  it('refuses an unknown service manager after installing, with the ones it knows', async () => {
    const { code, output } = await boot('unknown', 'upstart');
    expect(code).toBe(2);
    expect(output).toContain('HOIST_SERVICE_MANAGER=upstart is not one of systemd, none, supervisor');
    expect(await report('i-0123456789abcdef0')).toMatchObject({ error: { task: 'Boot/start-nodeup', message: 'HOIST_SERVICE_MANAGER=upstart is not one of systemd, none, supervisor' } });
  });

  it('none: reports nodeup exiting non-zero, with its last line, and exits with its code', async () => {
    const failing = join(dir.path, 'nodeup-fails.mjs');
    const last = 'error: Archive/kubernetes-node: "quoted" \\ and\ttabbed';
    await writeFile(failing, `console.log('configuring');\nconsole.error(${JSON.stringify(last)});\nconsole.log('');\nprocess.exit(3);\n`);
    const root = join(dir.path, 'nodeup-fails');
    const env = scriptEnv(dir.path, root, { HOIST_METADATA_URL: imds.url, HOIST_INSTANCE_ID: 'ignored-where-metadata-names-it' });
    const script = await runScript(dir.path, renderBootScript({ ...input, nodeup: { url: failing, sha256: sha256(await readFile(failing)) } }), env);
    expect(await script.exited, script.output()).toBe(3);
    const shown = last.replace('\t', '');
    expect(script.output()).toContain(`nodeup failed (exit 3): ${last}`);
    const got = await report('i-0123456789abcdef0');
    expect(got).toMatchObject({ instanceId: 'i-0123456789abcdef0', cluster: base.boot.cluster, instanceGroup: base.boot.instanceGroup, phase: 'Failed', configHash: HASH, error: { task: 'Boot/run-nodeup', message: `nodeup exited with code 3: ${shown}`, attempt: 1 } });
    expect(Date.now() - Date.parse(String(got['updatedAt']))).toBeLessThan(60_000);
  });

  it('without a metadata server, run as the local cloud\'s agent runs it, files its failures under the name the agent gives', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/node.tar.gz`;
    const root = join(dir.path, 'local');
    const path = join(dir.path, 'local-user-data.sh');
    await writeFile(path, renderBootScript({ ...input, metadata: 'none' }));
    await mkdir(root, { recursive: true });
    const lines: string[] = [];
    let seen: () => void = () => undefined;
    const secondTry = new Promise<void>((resolve) => (seen = resolve));
    // The agent's environment names the instance (agent-command.ts); the runner adds the root's locations.
    const env = { ...scriptEnv(dir.path, root, {}), HOIST_NODE_URL: closed, HOIST_INSTANCE_ID: 'local-7f3a' };
    const script = runBootScript({ script: path, root, env, onLine: (l) => (lines.push(l), /attempt 2 failed/.test(l) && seen()) });
    try {
      await Promise.race([secondTry, script.done.then((r) => Promise.reject(new Error(`the script exited (${r.code}): ${lines.join('\n')}`)))]);
    } finally {
      script.stop();
      await script.done;
    }
    const output = lines.join('\n');
    const got = await report('local-7f3a');
    expect(got).toMatchObject({ instanceId: 'local-7f3a', phase: 'Failed', error: { task: 'Boot/download-nodejs', message: `could not download ${closed}` } });
    expect((got['error'] as { attempt: number }).attempt).toBeGreaterThanOrEqual(2);
    // The report's own write is not what the local cloud's agent takes for the cause.
    expect(output).not.toContain('failure report not written');
    expect(output).toContain(`could not download ${closed}`);
  });
});

/** The failure report the scripts above file in their file:// state store. */
async function report(instanceId: string): Promise<Record<string, unknown>> {
  const key = instanceStatusKey(base.boot.cluster, base.boot.instanceGroup, instanceId);
  return JSON.parse(await readFile(join(dir.path, 'state', key), 'utf8')) as Record<string, unknown>;
}
