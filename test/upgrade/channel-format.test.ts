import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS } from '../../src/api/versions.js';
import { etcdVersionFor } from '../../src/assets/catalog.js';
import { knownImage } from '../../src/assets/known.js';
import type * as bundled from '../../src/channels/bundled.js';
import { BUNDLED_CHANNELS, bundledChannelText } from '../../src/channels/bundled.js';
import { bundledChannel, stableChannel } from '../../src/channels/bundled-parsed.js';
import { parseChannel } from '../../src/channels/format.js';
import { ValidationError } from '../../src/errors.js';
import { loadChannel } from '../../cloudup/upgrade/channel.js';
import { embedChannels } from '../../src/build/embed-channels.mjs';

type Bundled = typeof bundled;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-channel-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const GOOD = `apiVersion: hoist.dev/v1alpha1
kind: Channel
metadata:
  name: mine
spec:
  kubernetesVersions:
    - minor: "1.34"
      recommended: 1.34.1
      etcd: 3.6.4
      containerd: 2.1.4
`;

function problemsOf(text: string): ValidationError {
  try {
    parseChannel(text, 'mine.yaml');
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('the channel was accepted');
}

describe('the bundled channels', () => {
  it('parse, and the stable one is what src/api/versions.ts supports', () => {
    for (const name of BUNDLED_CHANNELS) expect(bundledChannel(name).metadata.name).toBe(name);
    const stable = stableChannel().spec.kubernetesVersions;
    expect(KUBERNETES_VERSIONS).toEqual(stable.map((r) => ({ minor: r.minor, patch: r.recommended })));
    expect(KUBERNETES_VERSIONS.map((r) => r.minor)).toEqual(['1.30', '1.31', '1.32', '1.33', '1.34', '1.35']);
    expect(DEFAULT_KUBERNETES_VERSION).toBe('1.35.0');
  });

  it("list the etcd that hoist installs for each minor, and the digests hoist pins", () => {
    for (const name of BUNDLED_CHANNELS) {
      for (const row of bundledChannel(name).spec.kubernetesVersions) {
        expect(row.etcd, `${name} ${row.minor}`).toBe(etcdVersionFor(row.recommended));
        for (const [repository, digest] of Object.entries(row.images ?? {})) {
          const tag = repository === 'etcd' ? `${row.etcd}-0` : `v${row.recommended}`;
          expect(knownImage(repository, tag)?.digest, `${repository}:${tag}`).toBe(digest);
        }
      }
    }
  });

  it('are embedded in the bundle by src/build/embed-channels.mjs, byte for byte', async () => {
    const out = join(dir, 'bundled.mjs');
    await build({ entryPoints: ['src/channels/bundled.ts'], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'silent', plugins: [embedChannels()] });
    const embedded = (await import(pathToFileURL(out).href)) as Bundled;
    expect(embedded.BUNDLED_CHANNELS).toEqual([...BUNDLED_CHANNELS]);
    for (const name of BUNDLED_CHANNELS) expect(embedded.bundledChannelText(name)).toBe(bundledChannelText(name));
  });
});

describe('parseChannel', () => {
  it('reads a channel', () => {
    const c = parseChannel(GOOD, 'mine.yaml');
    expect(c.spec.kubernetesVersions[0]).toEqual({ minor: '1.34', recommended: '1.34.1', etcd: '3.6.4', containerd: '2.1.4' });
  });

  it('names the field path, line and fix of each problem', () => {
    const e = problemsOf(GOOD.replace('recommended: 1.34.1', 'recommended: 1.33.1').replace('containerd: 2.1.4', 'containerd: 2.1.4\n      kubelet: 1.34.1'));
    expect(e.problems).toEqual([
      expect.objectContaining({ path: 'spec.kubernetesVersions[0].kubelet', line: 11, message: expect.stringContaining('unknown field') }),
    ]);
    const f = problemsOf(GOOD.replace('recommended: 1.34.1', 'recommended: 1.33.1'));
    expect(f.problems).toEqual([{ path: 'spec.kubernetesVersions[0].recommended', value: '1.33.1', message: 'is not a release of minor 1.34', fix: 'use a 1.34.x release, or change minor', line: 8, column: 20 }]);
  });

  it('refuses minors out of order or repeated, a wrong apiVersion, a bad digest and broken YAML', () => {
    const twice = `${GOOD}    - minor: "1.34"\n      recommended: 1.34.2\n      etcd: 3.6.4\n      containerd: 2.1.4\n`;
    expect(problemsOf(twice).problems[0]).toMatchObject({ path: 'spec.kubernetesVersions[1].minor', message: expect.stringContaining('oldest first') });
    expect(problemsOf(GOOD.replace('hoist.dev/v1alpha1', 'hoist.dev/v2')).problems[0]).toMatchObject({ path: 'apiVersion', fix: expect.stringContaining('hoist.dev/v1alpha1') });
    expect(problemsOf(GOOD.replace('containerd: 2.1.4', 'containerd: 2.1.4\n      images: {etcd: "sha256:abc"}')).problems[0]).toMatchObject({ path: 'spec.kubernetesVersions[0].images.etcd' });
    expect(problemsOf(GOOD.replace('minor: "1.34"', 'minor: [1.34')).code).toBe('INVALID_YAML');
    expect(problemsOf('').problems[0]).toMatchObject({ message: 'is empty' });
  });
});

describe("a cluster's spec.channel", () => {
  it('is stable by default, a bundled name, an absolute path or a file:// URL', async () => {
    const file = join(dir, 'mine.yaml');
    await writeFile(file, GOOD);
    expect((await loadChannel(undefined)).ref).toBe('stable');
    expect((await loadChannel('alpha')).channel.metadata.name).toBe('alpha');
    expect((await loadChannel(file)).channel.metadata.name).toBe('mine');
    expect((await loadChannel(pathToFileURL(file).href)).channel.spec.kubernetesVersions[0]?.recommended).toBe('1.34.1');
  });

  it('is refused with spec.channel, the value and the fix when it names nothing hoist can read', async () => {
    await expect(loadChannel('stabel')).rejects.toMatchObject({ problems: [{ path: 'spec.channel', value: 'stabel', fix: expect.stringContaining('stable, alpha') }] });
    await expect(loadChannel('ftp://example.com/c.yaml')).rejects.toMatchObject({ problems: [{ path: 'spec.channel', message: expect.stringContaining('scheme') }] });
    await expect(loadChannel(join(dir, 'missing.yaml'))).rejects.toMatchObject({ problems: [{ path: 'spec.channel', message: expect.stringContaining('could not be read') }] });
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, GOOD.replace('etcd: 3.6.4', 'etcd: latest'));
    await expect(loadChannel(bad)).rejects.toThrow(/spec\.channel .*spec\.kubernetesVersions\[0\]\.etcd \(line 9, column 13\): "latest"/s);
    await expect(loadChannel(bad)).rejects.toMatchObject({ problems: [{ path: 'spec.kubernetesVersions[0].etcd', value: 'latest', fix: 'e.g. "3.6.4"' }] });
  });
});
