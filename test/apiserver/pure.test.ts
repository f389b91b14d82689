/** The local API server's pure parts: selectors, patches, field ownership and Tables. */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldPaths, fromFieldsV1, reassign, toFieldsV1 } from '../../cloudup/local/apiserver/managed-fields.js';
import { jsonMergePatch, strategicMergePatch } from '../../cloudup/local/apiserver/patch.js';
import { findResource } from '../../cloudup/local/apiserver/resources.js';
import type { Resource } from '../../cloudup/local/apiserver/resources.js';
import { fieldMatcher, labelMatcher } from '../../cloudup/local/apiserver/selectors.js';
import { ApiError } from '../../cloudup/local/apiserver/status.js';
import { humanDuration, toTable } from '../../cloudup/local/apiserver/table.js';

const labelled = (labels: Record<string, string>) => ({ metadata: { labels } });

describe('selectors', () => {
  it('label selectors: equality, inequality, sets, existence', () => {
    const o = labelled({ app: 'web', tier: 'front' });
    expect(labelMatcher('app=web,tier==front')(o)).toBe(true);
    expect(labelMatcher('app!=web')(o)).toBe(false);
    expect(labelMatcher('tier in (front, back)')(o)).toBe(true);
    expect(labelMatcher('tier notin (front)')(o)).toBe(false);
    expect(labelMatcher('app,!legacy')(o)).toBe(true);
    expect(labelMatcher('!app')(o)).toBe(false);
  });

  it('a selector that does not parse is a 400 naming the term', () => {
    const e = (() => {
      try {
        labelMatcher('app=(web');
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(400);
    expect((e as ApiError).message).toContain('"app=(web"');
  });

  it('field selectors compare any dotted path; an unset field is ""', () => {
    const pod = { metadata: { name: 'p' }, spec: { nodeName: 'n1' } };
    expect(fieldMatcher('spec.nodeName=n1,metadata.name!=q')(pod)).toBe(true);
    expect(fieldMatcher('spec.nodeName=')({ spec: {} })).toBe(true);
  });
});

describe('patches', () => {
  const json = fc.jsonValue().filter((v) => v !== null);

  it('an empty patch changes nothing, for both patch types', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), (o) => {
        expect(jsonMergePatch(o, {})).toEqual(o);
        expect(strategicMergePatch(o, {})).toEqual(o);
      }),
    );
  });

  it('strategic merge merges containers by name, conditions by type, finalizers as a set, and honours directives', () => {
    const pod = { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }], tolerations: [{ key: 'x' }] }, metadata: { finalizers: ['f1'] } };
    const out = strategicMergePatch(pod, {
      spec: { containers: [{ name: 'b', image: 'b:2' }, { name: 'a', $patch: 'delete' }], tolerations: [{ key: 'y' }] },
      metadata: { finalizers: ['f2'], $deleteFromPrimitiveList: undefined },
    });
    expect(out).toEqual({ spec: { containers: [{ name: 'b', image: 'b:2' }], tolerations: [{ key: 'y' }] }, metadata: { finalizers: ['f1', 'f2'] } });
    expect(strategicMergePatch({ metadata: { finalizers: ['f1', 'f2'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['f1'] } })).toEqual({ metadata: { finalizers: ['f2'] } });
    expect(strategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $patch: 'replace', c: 3 } })).toEqual({ spec: { c: 3 } });
    expect(strategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $retainKeys: ['b', 'c'], c: 3 } })).toEqual({ spec: { b: 2, c: 3 } });
  });
});

describe('field ownership', () => {
  it('FieldsV1 round-trips any set of leaf paths', () => {
    const segment = fc.string({ minLength: 1, maxLength: 4 }).filter((s) => !s.includes('.'));
    fc.assert(
      fc.property(fc.dictionary(segment, fc.dictionary(segment, fc.string())), (data) => {
        const paths = fieldPaths({ data }, false);
        expect(fromFieldsV1(toFieldsV1(paths)).map((p) => p.join('/')).sort()).toEqual(paths.map((p) => p.join('/')).sort());
      }),
    );
  });

  it('taking fields moves them from other managers; an apply entry holds exactly what was applied', () => {
    const first = reassign([], 'kubectl', 'Update', 'v1', [['data', 'a'], ['data', 'b']], 't');
    const second = reassign(first, 'ops', 'Apply', 'v1', [['data', 'b']], 't');
    expect(second.map((e) => [e.manager, e.operation, e.fieldsV1])).toEqual([
      ['kubectl', 'Update', { 'f:data': { 'f:a': {} } }],
      ['ops', 'Apply', { 'f:data': { 'f:b': {} } }],
    ]);
  });
});

describe('tables', () => {
  it('ages read as kubectl prints them', () => {
    expect([45, 200, 600, 5 * 3600 + 600, 30 * 3600, 3 * 86400 + 3600, 40 * 86400].map((s) => humanDuration(s * 1000))).toEqual(['45s', '3m20s', '10m', '5h10m', '30h', '3d1h', '40d']);
  });

  it('nodes: NAME STATUS ROLES AGE VERSION, with SchedulingDisabled for a cordoned node', () => {
    const nodes = findResource('', 'v1', 'nodes') as Resource;
    const now = new Date('2026-01-01T00:10:00Z');
    const node = {
      metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.35.0' } },
    };
    const table = toTable(nodes, [node], {}, 'None', now) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version']);
    expect(table.rows[0]?.cells).toEqual(['n1', 'Ready,SchedulingDisabled', 'control-plane', '10m', 'v1.35.0']);
  });
});
