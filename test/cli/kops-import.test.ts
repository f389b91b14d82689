/**
 * Every spec of kops's own integration tests (test/fixtures/kops-specs, a copy of
 * ../shared/kops-specs) goes into a state store through `hoist create -f`, and all the import
 * drops is documented in docs/kops-migration.md as not supported (or as a difference whose
 * notes say the import drops it). The specs name no dnsZone, as kops's own do: the zone is found
 * in the cloud when the cluster is planned, and `create -f` says so.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { documentedDrop, migrationTable, ROOT } from '../api/kops-migration-table.js';
import { hoist, tempDir } from '../support/cli.js';

const specsDir = join(ROOT, 'test/fixtures/kops-specs');
const specs = readdirSync(specsDir).filter((f) => f.endsWith('.yaml')).sort();
const page = readFileSync(join(ROOT, 'docs/kops-migration.md'), 'utf8');
const tables = { Cluster: migrationTable(page, 'ClusterSpec fields'), InstanceGroup: migrationTable(page, 'InstanceGroupSpec fields') };

let dir: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('hoist-kops-import-');
});
afterAll(async () => {
  await dir.cleanup();
});

/** The fields `create -f` reported as dropped, by document: `Cluster name` → paths. */
function reported(stderr: string): { kind: 'Cluster' | 'InstanceGroup'; name: string; path: string }[] {
  const out: { kind: 'Cluster' | 'InstanceGroup'; name: string; path: string }[] = [];
  let doc: { kind: 'Cluster' | 'InstanceGroup'; name: string } | undefined;
  for (const line of stderr.split('\n')) {
    const head = /^converted kops\.k8s\.io\/v1alpha2 (Cluster|InstanceGroup) (\S+?)[:;]/.exec(line);
    if (head) doc = { kind: head[1] as 'Cluster' | 'InstanceGroup', name: head[2]! };
    const dropped = /^ {2}- (\S+): /.exec(line);
    if (dropped && doc) out.push({ ...doc, path: dropped[1]! });
  }
  return out;
}

describe('kops integration-test specs through create -f', () => {
  it.each(specs)('%s is stored, and all it drops is documented as out of scope', async (file) => {
    const path = join(dir.path, file);
    const text = readFileSync(join(specsDir, file), 'utf8');
    await writeFile(path, text);
    const state = pathToFileURL(join(dir.path, `state-${file}`)).href;
    const result = await hoist(['create', '-f', path, '--state', state]);
    expect(result.code, result.stderr).toBe(0);

    const kops = parse(text.split(/^---$/m).find((d) => /^kind: Cluster$/m.test(d)) ?? '') as { metadata: { name: string }; spec: { dnsZone?: string; topology?: { dns?: { type?: string } } } };
    const findsZone = kops.spec.dnsZone === undefined && kops.spec.topology?.dns?.type !== 'None' && !kops.metadata.name.endsWith('.k8s.local');
    if (findsZone) expect(result.stderr).toContain(`${kops.metadata.name} names no spec.dnsZone: update cluster finds its`);
    const got = await hoist(['get', 'cluster', kops.metadata.name, '-o', 'yaml', '--state', state]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain('apiVersion: hoist.dev/v1alpha1');

    const undocumented = reported(result.stderr).filter((d) => documentedDrop(tables[d.kind], d.path) === undefined);
    expect(undocumented, `dropped but not documented in docs/kops-migration.md:\n${result.stderr}`).toEqual([]);
  });
});
