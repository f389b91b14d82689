/**
 * Spec files with more than hoist's kinds: kops's additional objects (other kinds next to the
 * Cluster, as in kops's `additionalobjects` integration test: a KubeSchedulerConfiguration) are
 * kept in spec.additionalObjects and the API objects among them become an addon; a
 * `kind: List` is read by create -f, replace -f and apply -f; an object with no Cluster in its
 * file is refused with its line and a fix.
 */

import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { completeSpec, parseSpecText } from '../../src/api/index.js';
import { userAddons } from '../../cloudup/addons/user.js';
import { ADDON_NAME_LABEL } from '../../nodeup/addons/channel.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { withDnsZone } from '../support/kops-zone.js';
import { hoist, ROOT, tempDir } from '../support/cli.js';

const kops = withDnsZone(readFileSync(join(ROOT, 'test/fixtures/kops-specs/minimal-aws.yaml'), 'utf8'));
const scheduler = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nclientConnection:\n  burst: 100\n  qps: 3.1\n';
const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-settings\n  namespace: kube-system\ndata:\n  owner: platform\n';
const withObjects = `${kops}\n---\n${scheduler}---\n${configMap}`;

let dir: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('hoist-additional-objects-');
});
afterAll(async () => {
  await dir.cleanup();
});

const state = (name: string) => pathToFileURL(join(dir.path, name)).href;
async function file(name: string, text: string): Promise<string> {
  await writeFile(join(dir.path, name), text);
  return join(dir.path, name);
}

describe('additional objects', () => {
  it('keeps the other kinds of a kops file in the Cluster, and applies the API objects among them as an addon', async () => {
    const docs = parseSpecText(withObjects, 'x.yaml', SPEC_RULES);
    const cluster = docs.find((d) => d.kind === 'Cluster');
    expect(cluster?.kind === 'Cluster' && cluster.object.spec.additionalObjects).toEqual([parse(scheduler), parse(configMap)]);

    const store = state('objects');
    const created = await hoist(['create', '-f', await file('objects.yaml', withObjects), '--state', store]);
    expect(created.code, created.stderr).toBe(0);
    const got = await hoist(['get', 'cluster', 'minimal-aws.example.com', '-o', 'yaml', '--state', store]);
    const stored = parse(got.stdout) as { spec: { additionalObjects: unknown[] } };
    expect(stored.spec.additionalObjects).toEqual([parse(scheduler), parse(configMap)]);

    if (cluster?.kind !== 'Cluster') throw new Error('no Cluster');
    const addons = await userAddons(completeSpec(cluster.object, []), new Set(), { env: {} });
    expect(addons.map((a) => a.entry.name)).toEqual(['additional-objects']);
    const applied = addons[0]!.manifest.split('---\n').map((d) => parse(d) as { kind: string; metadata: { labels: Record<string, string> } });
    expect(applied.map((o) => o.kind)).toEqual(['ConfigMap']);
    expect(applied[0]?.metadata.labels).toMatchObject({ [ADDON_NAME_LABEL]: 'additional-objects' });
  });

  it('refuses an object in a file without a Cluster, naming its line', () => {
    const ig = 'apiVersion: hoist.dev/v1alpha1\nkind: InstanceGroup\nmetadata:\n  name: more\n  labels:\n    hoist.dev/cluster: demo.example.com\nspec:\n  role: Node\n  subnets: [a]\n';
    expect(() => parseSpecText(`${ig}---\n${configMap}`, 'more.yaml', SPEC_RULES)).toThrow(/more\.yaml[\s\S]*kind \(line 11, column 1\): "ConfigMap" is kept as an additional object of the file's Cluster, and the file has no Cluster/);
  });
});

describe('kind: List', () => {
  it('is read by create -f, replace -f and apply -f', async () => {
    const created = await hoist(['create', 'cluster', 'list.example.com', '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com', '--dry-run', '-o', 'yaml']);
    expect(created.code, created.stderr).toBe(0);
    const items = created.stdout.split(/^---$/m).map((d) => parse(d) as Record<string, unknown>).filter((d) => d !== null);
    const list = (extra: Record<string, unknown>[] = []) => stringify({ apiVersion: 'v1', kind: 'List', items: [...items, ...extra] });
    const store = state('list');
    const first = await hoist(['create', '-f', await file('list.yaml', list()), '--state', store]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('cluster/list.example.com created');

    const changed = items.map((d) => (d['kind'] === 'InstanceGroup' && (d['spec'] as { role: string }).role === 'Node' ? { ...d, spec: { ...(d['spec'] as object), maxSize: 5 } } : d));
    const replaced = await hoist(['replace', '-f', await file('list2.yaml', stringify({ apiVersion: 'v1', kind: 'List', items: changed })), '--state', store]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(/instancegroup\/\S+ configured/);

    const applied = await hoist(['apply', '-f', await file('list3.yaml', list([parse(configMap) as Record<string, unknown>])), '--state', store]);
    expect(applied.code, applied.stderr).toBe(0);
    const got = parse((await hoist(['get', 'cluster', 'list.example.com', '-o', 'yaml', '--state', store])).stdout) as { spec: { additionalObjects?: unknown[] } };
    expect(got.spec.additionalObjects).toEqual([parse(configMap)]);
  });
});
