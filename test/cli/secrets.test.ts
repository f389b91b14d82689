/**
 * create, get and delete secret on a folder state store: a docker config and an
 * EncryptionConfiguration land in `<cluster>/secrets/` as given, `get secrets` never prints a
 * value unless asked, bad files are refused with the path, the value (hidden for secrets) and
 * the fix and the store is left as it was, and an encryption config in use cannot be deleted.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClusterPKI } from '../../src/pki/index.js';
import { openStore } from '../../state-store/open.js';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

const NAME = 'secrets.k8s.local';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let state: string;
const run = (args: string[], stdin?: string) => hoist([...args, '--name', NAME], { env, cwd: dir.path, ...(stdin === undefined ? {} : { stdin }) });

const key32 = randomBytes(32).toString('base64');
const encryptionConfig = (secret = key32, provider = 'aescbc') => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - ${provider}:
          keys:
            - name: key1
              secret: ${secret}
      - identity: {}
`;
const dockerConfig = JSON.stringify({ auths: { 'registry.example.com:5000': { auth: Buffer.from('robot:s3cr3t-pw').toString('base64') } } });

beforeAll(async () => {
  dir = await tempDir('hoist-secrets-');
  state = join(dir.path, 'state');
  env = { HOIST_STATE_STORE: `file://${state}`, HOIST_CLUSTER_NAME: '' };
  await writeFile(join(dir.path, 'config.json'), dockerConfig);
  await writeFile(join(dir.path, 'encryption.yaml'), encryptionConfig());
  const created = await hoist(['create', 'cluster', NAME, '--cloud', 'local'], { env });
  expect(created.code, created.stderr).toBe(0);
});
afterAll(async () => dir.cleanup());

describe('secrets', () => {
  it('stores a docker config and an encryption config as given, lists them without values, and deletes them', async () => {
    expect((await run(['get', 'secrets'])).stderr).toContain(`No secrets in cluster ${NAME}`);
    const docker = await run(['create', 'secret', 'dockerconfig', '-f', 'config.json']);
    expect(docker.code, docker.stderr).toBe(0);
    expect(docker.stdout).toMatch(/^secret\/dockerconfig created \(id [0-9a-f]{12}\); machines get it after: hoist update cluster/);
    const enc = await run(['create', 'secret', 'encryptionconfig', '-f', '-'], encryptionConfig());
    expect(enc.code, enc.stderr).toBe(0);
    expect(await readFile(join(state, NAME, 'secrets', 'dockerconfig'), 'utf8')).toBe(dockerConfig);
    expect(await readFile(join(state, NAME, 'secrets', 'encryptionconfig'), 'utf8')).toBe(encryptionConfig());

    const table = await run(['get', 'secrets']);
    expect(table.stdout.split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['TYPE NAME', 'dockerconfig dockerconfig', 'encryptionconfig encryptionconfig', '']);
    for (const format of ['yaml', 'json']) {
      const listed = await run(['get', 'secrets', '-o', format]);
      expect(listed.stdout).not.toContain(key32);
      expect(listed.stdout).not.toContain('robot');
    }
    const shown = JSON.parse((await run(['get', 'secrets', 'dockerconfig', '-o', 'json', '--show-values'])).stdout) as { name: string; value: string }[];
    expect(shown).toEqual([expect.objectContaining({ name: 'dockerconfig', value: dockerConfig })]);
    expect((await run(['get', 'secrets', '--show-values'])).stderr).toContain('--show-values: true prints values only as YAML or JSON (add -o yaml or -o json)');

    const again = await run(['create', 'secret', 'dockerconfig', '-f', 'config.json']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('secret dockerconfig of secrets.k8s.local already exists');
    expect(again.stderr).toContain('--force');
    expect((await run(['create', 'secret', 'dockerconfig', '-f', 'config.json', '--force'])).stdout).toContain('secret/dockerconfig unchanged');

    expect((await run(['delete', 'secret', 'dockerconfig'])).stdout).toContain('Run again with --yes to delete it.');
    expect((await run(['delete', 'secret', 'dockerconfig', '--yes'])).stdout).toContain('secret/dockerconfig deleted');
    expect((await run(['get', 'secrets', '-o', 'json'])).stdout).not.toContain('dockerconfig');
  });

  it('refuses bad files with the path, the value and the fix, and changes nothing', async () => {
    const before = await treeDigest(state);
    const badDocker = await run(['create', 'secret', 'dockerconfig', '-f', '-'], JSON.stringify({ auths: { 'ghcr.io': { auth: 'bm90LWEtcGFpcg==' }, 'quay.io': {} } }));
    expect(badDocker.code).toBe(1);
    expect(badDocker.stderr).toContain('auths["ghcr.io"].auth: "(hidden)" is not the base64 of user:password (set it to the output of: printf %s USER:PASSWORD | base64 -w0)');
    expect(badDocker.stderr).toContain('auths["quay.io"]: [] has no credentials');

    const short = randomBytes(20).toString('base64');
    const badEnc = await run(['create', 'secret', 'encryptionconfig', '-f', '-'], encryptionConfig(short, 'secretbox').replace('kind: EncryptionConfiguration', 'kind: Encryption'));
    expect(badEnc.code).toBe(1);
    expect(badEnc.stderr).toContain('kind: "Encryption" is not EncryptionConfiguration (use kind: EncryptionConfiguration)');
    expect(badEnc.stderr).toContain('resources[0].providers[0].secretbox.keys[0].secret: "(hidden)" is 20 bytes long: secretbox takes a key of 32 bytes (make one with: head -c 32 /dev/urandom | base64)');
    expect(badEnc.stderr).not.toContain(short);
    const kms = await run(['create', 'secret', 'encryptionconfig', '-f', '-'], encryptionConfig().replace(/- aescbc:[\s\S]*?- identity/, '- kms: {name: vault}\n      - identity'));
    expect(kms.stderr).toContain('resources[0].providers[0].kms: "(hidden)" needs a KMS plugin on the control plane, which hoist does not run (use aescbc, aesgcm or secretbox)');
    expect((await run(['create', 'secret', 'encryptionconfig'])).stderr).toContain('-f: is required (name the file: hoist create secret encryptionconfig -f encryption-config.yaml');
    expect((await run(['get', 'secrets', '--type', 'tls'])).stderr).toContain('--type: "tls" is not a type of secret hoist keeps');
    const token = await run(['delete', 'secret', 'kubelet-bootstrap', '--yes']);
    expect(token.stderr).toContain("is derived from kubernetes-ca's private key and cannot be deleted");
    for (const r of [badDocker, badEnc, kms]) expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await treeDigest(state)).toBe(before);
  });

  it('keeps an encryption config that spec.encryptionConfig uses', async () => {
    const set = await run(['edit', 'cluster', NAME, '--set', 'spec.encryptionConfig=true']);
    expect(set.code, set.stderr).toBe(0);
    const refused = await run(['delete', 'secret', 'encryptionconfig', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('secret encryptionconfig of secrets.k8s.local is in use: spec.encryptionConfig is true');
    expect(await readFile(join(state, NAME, 'secrets', 'encryptionconfig'), 'utf8')).toBe(encryptionConfig());
  });

  it('lists the kubelets\' bootstrap token once the PKI exists, and export kubeconfig --all writes every cluster that has one', async () => {
    const other = 'other.example.com';
    expect((await hoist(['create', 'cluster', other, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com'], { env })).code).toBe(0);
    await ensureClusterPKI(await openStore(env.HOIST_STATE_STORE ?? ''), other);
    const token = JSON.parse((await hoist(['get', 'secrets', '--type', 'bootstraptoken', '-o', 'json', '--show-values', '--name', other], { env })).stdout) as { name: string; id: string; value: string }[];
    expect(token).toEqual([{ type: 'bootstraptoken', name: 'kubelet-bootstrap', id: expect.stringMatching(/^[a-z0-9]{6}$/) as string, value: expect.stringMatching(/^[a-z0-9]{6}\.[a-z0-9]{16}$/) as string }]);
    expect(token[0]?.value.startsWith(`${token[0]?.id}.`)).toBe(true);

    const kubeconfig = join(dir.path, 'kubeconfig');
    const all = await hoist(['export', 'kubeconfig', '--all', '--admin', '--kubeconfig', kubeconfig], { env });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain(`skipped ${NAME}: its PKI does not exist yet`);
    const view = JSON.parse(execFileSync('kubectl', ['config', 'view', '--kubeconfig', kubeconfig, '-o', 'json'], { encoding: 'utf8' })) as { contexts: { name: string }[]; clusters: { name: string; cluster: { server: string } }[] };
    expect(view.contexts.map((c) => c.name)).toEqual([other]);
    expect(view.clusters[0]?.cluster.server).toBe(`https://api.${other}`);
    expect((await hoist(['export', 'kubeconfig', other, '--all'], { env })).stderr).toContain('--all: true cannot be combined with a cluster name (other.example.com)');
  });
});

describe('a misplaced credential in a secret file', () => {
  it('is never echoed in the refusal: only its shape is', async () => {
    const { dockerConfigProblems, encryptionConfigProblems } = await import('../../src/cli/secret-kinds.js');
    const credential = Buffer.from('robot:s3cr3t-pw').toString('base64');
    const problems = [
      ...dockerConfigProblems(JSON.stringify({ auths: { 'registry.example.com': credential } })),
      ...dockerConfigProblems(JSON.stringify({ auths: credential })),
      ...encryptionConfigProblems(JSON.stringify(credential)).problems,
      ...encryptionConfigProblems(`apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers: ${credential}\n`).problems,
      ...encryptionConfigProblems(`apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aescbc:\n          keys: ${credential}\n`).problems,
    ];
    expect(problems.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(problems)).not.toContain(credential);
    expect(problems.map((p) => p.value)).toContain('(a string, hidden)');
  });
});
