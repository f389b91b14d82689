import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeSpec } from '../../src/api/index.js';
import { apiServerUrlFromSpec, buildKubeconfig, hasUserCredentials, kubeconfigPath, mergeKubeconfig, writeKubeconfigFile } from '../../src/pki/index.js';
import { cluster, groups } from '../api/fixtures.js';
import { tempDir } from '../support/cli.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const kubectl = (file: string, ...args: string[]) => execFileSync('kubectl', ['config', ...args, '--kubeconfig', file], { encoding: 'utf8' });

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => (dir = await tempDir('hoist-kubeconfig-')));
afterEach(async () => dir.cleanup());

function config(name: string, user: Parameters<typeof buildKubeconfig>[0]['user']): string {
  return buildKubeconfig({ name, server: `https://api.${name}`, caCertificate: CA, user });
}

describe('buildKubeconfig', () => {
  it('writes a v1 Config that kubectl reads, with base64 data fields', () => {
    const file = join(dir.path, 'config');
    writeFileSync(file, config('a.example.com', { name: 'a.example.com', certificate: 'CERT', privateKey: 'KEY' }));
    const view = JSON.parse(kubectl(file, 'view', '--raw', '-o', 'json'));
    expect(view).toMatchObject({
      kind: 'Config',
      apiVersion: 'v1',
      'current-context': 'a.example.com',
      clusters: [{ name: 'a.example.com', cluster: { server: 'https://api.a.example.com', 'certificate-authority-data': Buffer.from(CA).toString('base64') } }],
      contexts: [{ name: 'a.example.com', context: { cluster: 'a.example.com', user: 'a.example.com' } }],
      users: [{ name: 'a.example.com', user: { 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') } }],
    });
  });

  it('writes a token, or a user without credentials', () => {
    expect(parse(config('a', { name: 'u', token: 't0k' })).users).toEqual([{ name: 'u', user: { token: 't0k' } }]);
    expect(parse(config('a', { name: 'u' })).users).toEqual([{ name: 'u', user: {} }]);
  });
});

describe('mergeKubeconfig', () => {
  const other = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: other',
    '  cluster: {server: "https://other:443"}',
    '- name: a.example.com',
    '  cluster: {server: "https://stale"}',
    'contexts:',
    '- name: other',
    '  context: {cluster: other, user: other-user}',
    'users:',
    '- name: other-user',
    '  user: {token: secret}',
    '- name: a.example.com',
    '  user: {token: old}',
    'current-context: other',
    'preferences: {colors: true}',
    '',
  ].join('\n');

  it('replaces same-named entries in place, keeps the others and switches the context', () => {
    const merged = parse(mergeKubeconfig(other, config('a.example.com', { name: 'a.example.com', token: 'new' })));
    expect(merged.clusters.map((c: { name: string; cluster: { server: string } }) => [c.name, c.cluster.server])).toEqual([
      ['other', 'https://other:443'],
      ['a.example.com', 'https://api.a.example.com'],
    ]);
    expect(merged.contexts.map((c: { name: string }) => c.name)).toEqual(['other', 'a.example.com']);
    expect(merged.users).toEqual([
      { name: 'other-user', user: { token: 'secret' } },
      { name: 'a.example.com', user: { token: 'new' } },
    ]);
    expect(merged['current-context']).toBe('a.example.com');
    expect(merged.preferences).toEqual({ colors: true });
  });

  it('keeps existing credentials when the new user entry has none', () => {
    const merged = parse(mergeKubeconfig(other, config('a.example.com', { name: 'a.example.com' })));
    expect(merged.users).toContainEqual({ name: 'a.example.com', user: { token: 'old' } });
    expect(hasUserCredentials(other, 'a.example.com')).toBe(true);
    expect(hasUserCredentials(other, 'nobody')).toBe(false);
  });

  it('starts from the new config when there is no file or an empty one, and refuses what is not a kubeconfig', () => {
    const fresh = config('a', { name: 'a' });
    expect(parse(mergeKubeconfig(undefined, fresh))).toEqual(parse(fresh));
    expect(parse(mergeKubeconfig('', fresh))).toEqual(parse(fresh));
    expect(() => mergeKubeconfig('- a list', fresh)).toThrow(/not a kubeconfig/);
    expect(() => mergeKubeconfig('kind: Pod', fresh)).toThrow(/is a Pod, not a kubeconfig/);
    expect(() => mergeKubeconfig('clusters: {}', fresh)).toThrow(/clusters is not a list/);
    expect(() => mergeKubeconfig('a: [', fresh)).toThrow(/not YAML/);
  });
});

describe('kubeconfig files', () => {
  it('finds --kubeconfig, else the first $KUBECONFIG path, else ~/.kube/config', () => {
    expect(kubeconfigPath({ flag: 'k.yaml', env: { KUBECONFIG: '/x' }, cwd: '/work' })).toBe('/work/k.yaml');
    expect(kubeconfigPath({ env: { KUBECONFIG: ':/a/one:/b/two', HOME: '/h' }, cwd: '/work' })).toBe('/a/one');
    expect(kubeconfigPath({ env: { HOME: '/home/me' }, cwd: '/work' })).toBe('/home/me/.kube/config');
  });

  it('writes with mode 0600, creating the folder, through a symlink', async () => {
    const file = join(dir.path, 'nested', '.kube', 'config');
    await writeKubeconfigFile(file, 'a: 1\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('a: 1\n');
    const { symlinkSync, lstatSync } = await import('node:fs');
    const link = join(dir.path, 'link');
    symlinkSync(file, link);
    await writeKubeconfigFile(link, 'a: 2\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('a: 2\n');
  });
});

describe('API server URL', () => {
  it('is the public API name, or the internal one, on clouds that reach the API by name', () => {
    const spec = completeSpec(cluster(), groups());
    expect(apiServerUrlFromSpec(spec)).toBe('https://api.demo.example.com');
    expect(apiServerUrlFromSpec(spec, { internal: true })).toBe('https://api.internal.demo.example.com');
    const named = completeSpec(cluster({ api: { publicName: 'k8s.example.org' } }), groups());
    expect(apiServerUrlFromSpec(named)).toBe('https://k8s.example.org');
  });
});
