import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { completeSpec, parseSpecText, SCHEMA_URLS, toYaml } from '../../src/api/index.js';
import { jsonSchemaFiles } from '../../src/api/json-schema.js';
import { renderSpecReference, SPEC_REFERENCE_FILE } from '../../src/api/reference.js';
import { cluster, groups } from './fixtures.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('toYaml', () => {
  it('writes keys in schema order whatever order the object has', () => {
    const c = cluster();
    const shuffled = { spec: { subnets: c.spec.subnets, dnsZone: c.spec.dnsZone, cloudProvider: c.spec.cloudProvider, networkCIDR: c.spec.networkCIDR, kubernetesVersion: c.spec.kubernetesVersion }, metadata: c.metadata, kind: c.kind, apiVersion: c.apiVersion };
    const text = toYaml(shuffled);
    expect(text).toBe(toYaml(c));
    expect(text.split('\n').slice(0, 8)).toEqual([
      'apiVersion: hoist.dev/v1alpha1',
      'kind: Cluster',
      'metadata:',
      '  name: demo.example.com',
      'spec:',
      '  cloudProvider: aws',
      '  kubernetesVersion: 1.34.0',
      '  networkCIDR: 172.20.0.0/16',
    ]);
  });

  it('sorts map keys and starts with the schema comment when asked', () => {
    const ig = { ...groups()[1]!, spec: { ...groups()[1]!.spec, nodeLabels: { z: '1', a: '2' } } };
    const text = toYaml(ig, { schemaComment: true });
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URLS.InstanceGroup}`);
    expect(text.indexOf('a: "2"')).toBeLessThan(text.indexOf('z: "1"'));
  });

  it('round-trips through the parser, completed specs included', () => {
    const done = completeSpec(cluster(), groups());
    for (const obj of [cluster(), ...groups(), done.cluster, ...done.instanceGroups]) {
      const [doc] = parseSpecText(toYaml(obj, { schemaComment: true }), 'x', SPEC_RULES);
      expect(doc?.object).toEqual(obj);
    }
  });
});

describe('generated files', () => {
  it('docs/schema/*.json are up to date (run `npm run schema` to update them)', () => {
    for (const file of jsonSchemaFiles()) {
      expect(readFileSync(join(root, file.path), 'utf8'), `${file.path} is out of date: run npm run schema`).toBe(file.text);
    }
  });

  it('the field tables of the spec reference are up to date (run `npm run schema`)', () => {
    const current = readFileSync(join(root, SPEC_REFERENCE_FILE), 'utf8');
    expect(renderSpecReference(current), `${SPEC_REFERENCE_FILE} is out of date: run npm run schema`).toBe(current);
    expect(current).toContain('| `spec.subnets[].cidr` |');
  });

  it('the JSON Schema refuses unknown fields and names its URL', () => {
    const [clusterFile] = jsonSchemaFiles();
    const schema = JSON.parse(clusterFile!.text) as { $id: string; additionalProperties: boolean; properties: Record<string, unknown> };
    expect(schema.$id).toBe(SCHEMA_URLS.Cluster);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });
});
