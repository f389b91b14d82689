/**
 * spec.egressProxy in the boot script: the script's downloads (Node.js, nodeup) really go
 * through the proxy, what no_proxy names does not, and nodeup gets the proxy (its environment,
 * or hoist-nodeup.service's drop-in). A tiny HTTP proxy on 127.0.0.1 counts what it forwards;
 * it forwards only to 127.0.0.1, where the stand-in mirror serves the files.
 */

import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderBootScript } from '../../cloudup/boot/script.js';
import type { BootScriptInput } from '../../cloudup/boot/script.js';
import { userData } from '../../cloudup/aws/model/user-data.js';
import { startupScript } from '../../cloudup/gce/model/boot.js';
import type { BootOptions } from '../../cloudup/provider.js';
import { completeSpec, egressProxySettings } from '../../src/api/index.js';
import { cluster, groups } from '../api/fixtures.js';
import { tempDir } from '../support/cli.js';
import { countingProxy } from '../support/counting-proxy.js';
import type { CountingProxy } from '../support/counting-proxy.js';
import { runScript, stopAllScripts } from './run-script.js';
import { serveFolder } from './servers.js';
import type { Listening } from './servers.js';
import { scriptEnv, sha256 } from './support.js';

const run = promisify(execFile);
const PROXY_KEYS = ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];

let dir: { path: string; cleanup: () => Promise<void> };
let mirror: Listening;
let proxy: CountingProxy;
let input: BootScriptInput;

beforeAll(async () => {
  dir = await tempDir('hoist-boot-proxy-');
  // A Node.js release whose bin/node runs this machine's node, and a nodeup that prints its proxy variables.
  const files = join(dir.path, 'mirror');
  const release = join(dir.path, 'release');
  const bin = join(release, 'node-v20.20.2-linux-x64', 'bin');
  await mkdir(bin, { recursive: true });
  await mkdir(files, { recursive: true });
  await writeFile(join(bin, 'node'), `#!/bin/sh\nexec '${process.execPath}' "$@"\n`);
  await chmod(join(bin, 'node'), 0o755);
  await run('tar', ['-czf', join(files, 'node.tar.gz'), '-C', release, 'node-v20.20.2-linux-x64']);
  await writeFile(join(files, 'nodeup.mjs'), `console.log('NODEUP ' + JSON.stringify(Object.fromEntries(${JSON.stringify(PROXY_KEYS)}.map((k) => [k, process.env[k]]))));\n`);
  mirror = await serveFolder(files);
  proxy = await countingProxy();
  input = {
    boot: { stateStore: `file://${dir.path}/state`, cluster: 'proxied.example.com', instanceGroup: 'nodes', configHash: `sha256:${'c'.repeat(64)}` },
    storeAccess: 'file',
    metadata: 'none',
    node: { version: '20.20.2', url: `${mirror.url}/node.tar.gz`, sha256: sha256(await readFile(join(files, 'node.tar.gz'))) },
    nodeup: { url: `${mirror.url}/nodeup.mjs`, sha256: sha256(await readFile(join(files, 'nodeup.mjs'))) },
  };
});
afterEach(async () => {
  await stopAllScripts();
  proxy.forwarded.length = 0;
  mirror.requests.length = 0;
});
afterAll(async () => {
  await proxy?.close();
  await mirror?.close();
  await dir?.cleanup();
});

async function boot(name: string, noProxy: string, manager = 'none') {
  const root = join(dir.path, name);
  const script = renderBootScript({ ...input, proxy: { url: proxy.url, noProxy } });
  const env = scriptEnv(dir.path, root, { HOIST_SERVICE_MANAGER: manager, HOIST_INSTANCE_ID: `i-${name}` });
  const running = await runScript(dir.path, script, env);
  return { root, code: await running.exited, output: running.output() };
}

describe('the boot script with spec.egressProxy', () => {
  it('downloads Node.js and nodeup through the proxy, and gives nodeup the proxy', async () => {
    const { code, output } = await boot('through', 'corp.example');
    expect(code, output).toBe(0);
    expect(proxy.forwarded).toEqual([`GET ${mirror.url}/node.tar.gz`, `GET ${mirror.url}/nodeup.mjs`]);
    // The mirror saw them only as the proxy forwarded them.
    expect(mirror.requests).toEqual(['GET /node.tar.gz', 'GET /nodeup.mjs']);
    const printed = JSON.parse(/^NODEUP (.*)$/m.exec(output)![1]!) as Record<string, string>;
    expect(printed).toEqual({ http_proxy: proxy.url, https_proxy: proxy.url, no_proxy: 'corp.example', HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'corp.example' });
  });

  it('reaches what no_proxy names directly', async () => {
    const { code, output } = await boot('direct', 'corp.example,127.0.0.1');
    expect(code, output).toBe(0);
    expect(proxy.forwarded).toEqual([]);
    expect(mirror.requests).toEqual(['GET /node.tar.gz', 'GET /nodeup.mjs']);
  });

  it('systemd: hoist-nodeup.service gets the proxy from a drop-in', async () => {
    const { root, code, output } = await boot('unit', 'corp.example', 'systemd');
    expect(code, output).toBe(0);
    expect(proxy.forwarded).toHaveLength(2);
    const dropIn = await readFile(join(root, 'etc/systemd/system/hoist-nodeup.service.d/egress-proxy.conf'), 'utf8');
    expect(dropIn).toBe(['[Service]', ...PROXY_KEYS.map((k) => `Environment="${k}=${k.toLowerCase() === 'no_proxy' ? 'corp.example' : proxy.url}"`), ''].join('\n'));
  });

  it('is as before without a proxy, and refuses a proxy it cannot carry', () => {
    const plain = renderBootScript(input);
    for (const key of PROXY_KEYS) expect(plain).not.toContain(key);
    expect(plain).not.toContain('egress-proxy.conf');
    expect(() => renderBootScript({ ...input, proxy: { url: 'http://proxy:3128"; rm -rf /', noProxy: '' } })).toThrow(/proxy.url/);
    expect(() => renderBootScript({ ...input, proxy: { url: 'http://proxy:3128', noProxy: 'a b' } })).toThrow(/proxy.noProxy/);
  });

  it('is in the user data (aws) and startup script (gce) made from a spec with egressProxy', () => {
    const done = completeSpec(cluster({ egressProxy: { httpProxy: { host: 'proxy.corp.example', port: 3128 } } }), groups());
    const proxied = egressProxySettings(done.cluster.spec);
    expect(proxied?.noProxy).toContain('169.254.169.254');
    const options: BootOptions = { stateStore: 's3://state/clusters', configHash: () => `sha256:${'c'.repeat(64)}`, nodeup: input.nodeup, node: input.node, ...(proxied ? { proxy: proxied } : {}) };
    const ig = done.instanceGroups[1]!;
    const aws = userData(done.cluster.metadata.name, ig, options, 'us-east-1');
    const gce = startupScript(done.cluster.metadata.name, ig, { ...options, stateStore: 'gs://state/clusters' });
    for (const script of [aws, gce]) {
      expect(script).toContain(`export https_proxy='http://proxy.corp.example:3128'\n`);
      expect(script).toContain(`export no_proxy='${proxied?.noProxy}'\n`);
    }
    const { proxy: _none, ...plain } = options;
    expect(userData(done.cluster.metadata.name, ig, plain, 'us-east-1')).not.toContain('http_proxy');
  });
});
