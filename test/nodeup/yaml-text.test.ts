/** nodeup.yaml's text rendered pair by pair is exactly the yaml library's text of the whole, whose hash machines pin. */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { completeSpec } from '../../src/api/index.js';
import { assetLocations } from '../../src/assets/index.js';
import { buildNodeupConfigs } from '../../cloudup/nodeup/index.js';
import { NodeupYamlText } from '../../cloudup/nodeup/yaml-text.js';
import { NODES, standardSpec } from './support.js';

const whole = (v: object): string => stringify(v, { lineWidth: 0 });
const tricky = fc.constantFrom('a', 'Z', '0', ' ', '\n', '\t', '-', ':', '#', '"', "'", '|', '>', '&', '*', '?', '{', '[', ',', 'é', '---', '%', '.');

describe('nodeup.yaml text, pair by pair', () => {
  it('is the text of the whole configuration for every group of a cluster with many groups', () => {
    const spec = standardSpec();
    const node = spec.instanceGroups.find((ig) => ig.metadata.name === NODES)!;
    const groups = Array.from({ length: 6 }, (_, i) => ({ ...node, metadata: { ...node.metadata, name: `nodes-${i}` }, spec: { ...node.spec, ...(i % 2 ? { nodeLabels: { tier: `t${i}` }, taints: ['x=y:NoSchedule'] } : {}) } }));
    const many = completeSpec(spec.cluster, [...spec.instanceGroups, ...groups]);
    const assets = assetLocations(many, 'file:///mirror').map((a) => ({ ...a, sha256: 'a'.repeat(64) }));
    const files = buildNodeupConfigs(many, { stateStore: 'file:///state', assets });
    expect(files.size).toBe(many.instanceGroups.length);
    for (const f of files.values()) expect(f.yaml).toBe(whole(f.config));
  });

  it('is the text of the whole for any JSON object, twice in a row (the second from the cache)', () => {
    const text = new NodeupYamlText();
    fc.assert(
      // Strings of what YAML treats specially: block scalars, indentation, quotes, comments, keys.
      fc.property(fc.dictionary(fc.string({ maxLength: 8, unit: tricky }), fc.jsonValue({ maxDepth: 4, stringUnit: tricky })), (config) => {
        expect(text.render(config)).toBe(whole(config));
        expect(text.render(config)).toBe(whole(config));
      }),
      { numRuns: 300 },
    );
  });

  it('writes a pair of plain strings itself exactly as the library does, and leaves the strings it would quote to it', () => {
    const text = new NodeupYamlText();
    // Names, hashes and URLs, and the words and shapes YAML reads as something else.
    const unit = fc.constantFrom('a', 'Z', 'e', 'y', 'n', '0', '9', '.', '_', '/', '-', ':', ' ');
    const words = fc.constantFrom('null', 'Null', 'NULL', 'true', 'True', 'FALSE', 'yes', 'No', 'on', 'OFF', 'y', 'N', '~', 'a:', 'a: b', '1e3', '.inf', '.NaN', '0x1f', '0o7', '-1', '2026-12-05', 'sha256:ab12', 'nodes-000', 's3://bucket/clusters', 'file:///srv/state', 'gs://b/c', 'http://a:8080/x');
    const scalar = fc.oneof(fc.string({ maxLength: 12, unit }), words);
    fc.assert(
      fc.property(fc.dictionary(scalar, scalar, { maxKeys: 4 }), (config) => {
        expect(text.render(config)).toBe(whole(config));
      }),
      { numRuns: 1000 },
    );
  });

  it('renders the whole where the pairs would differ: a shared object (an alias), undefined, no pairs', () => {
    const text = new NodeupYamlText();
    const shared = { a: [1, 2] };
    const cases: object[] = [
      { one: shared, two: shared },
      { one: { inner: shared }, two: { inner: shared } },
      { one: [shared, shared] },
      { gone: undefined, kept: 1, list: [1, undefined, 3] },
      { n: -0, big: 1e21, nan: Number.NaN },
      {},
      { when: new Date(0) },
    ];
    for (const c of cases) expect(text.render(c)).toBe(whole(c));
    // A pair seen before is reused only for an equal value.
    expect(text.render({ kept: 1, list: [1, 2] })).toBe(whole({ kept: 1, list: [1, 2] }));
    expect(text.render({ kept: '1' })).toBe(whole({ kept: '1' }));
  });
});
