import { describe, expect, it } from 'vitest';
import { HoistError, ValidationError } from '../../src/errors.js';
import { parseSpecText, toYaml } from '../../src/api/index.js';
import { cluster, groups } from './fixtures.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

function problems(text: string): ValidationError {
  try {
    parseSpecText(text, 'spec.yaml', SPEC_RULES);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('accepted');
}

const valid = [cluster(), ...groups()].map((o) => toYaml(o)).join('---\n');

describe('parseSpecText', () => {
  it('reads every document with its kind, index and first line', () => {
    const docs = parseSpecText(valid, 'spec.yaml', SPEC_RULES);
    expect(docs.map((d) => [d.kind, d.object.metadata.name, d.index])).toEqual([
      ['Cluster', 'demo.example.com', 0],
      ['InstanceGroup', 'control-plane-us-east-1a', 1],
      ['InstanceGroup', 'nodes', 2],
    ]);
    expect(docs[0]?.line).toBe(1);
    expect(docs[1]?.line).toBeGreaterThan(10);
    expect(docs[0]?.converted).toBeUndefined();
    expect(docs[0]?.object).toEqual(cluster());
  });

  it('skips empty documents', () => {
    expect(parseSpecText(`---\n---\n${valid}\n---\n`, 's', SPEC_RULES)).toHaveLength(3);
  });

  it('reports an unknown field with did-you-mean, at the key', () => {
    const text = valid.replace('networkCIDR:', 'netwrokCIDR:');
    const e = problems(text);
    expect(e.code).toBe('INVALID_SPEC');
    const p = e.problems.find((x) => x.path === 'spec.netwrokCIDR');
    expect(p?.message).toBe('unknown field `spec.netwrokCIDR`');
    expect(p?.fix).toBe('did you mean `networkCIDR`?');
    const line = text.split('\n').findIndex((l) => l.includes('netwrokCIDR')) + 1;
    expect([p?.line, p?.column]).toEqual([line, 3]);
  });

  it('lists the known fields when no field is close', () => {
    const e = problems(valid.replace('networkCIDR:', 'zzzzzzzzzzzz:'));
    expect(e.problems.find((x) => x.path === 'spec.zzzzzzzzzzzz')?.fix).toContain('networkCIDR');
  });

  it('reports every problem of every document at once, each at its line', () => {
    const text = valid
      .replace('cloudProvider: aws', 'cloudProvider: aws2')
      .replace('role: Node', 'role: node')
      .replace('type: Public', 'type: Publik');
    const e = problems(text);
    expect(e.problems.map((p) => p.path).sort()).toEqual(['InstanceGroup/nodes:spec.role', 'spec.cloudProvider', 'spec.subnets[0].type']);
    for (const p of e.problems) {
      const line = text.split('\n')[(p.line ?? 0) - 1] ?? '';
      expect(line).toContain(String(p.value));
    }
    expect(e.problems.find((p) => p.path === 'spec.cloudProvider')?.fix).toBe('did you mean aws?');
  });

  it('tells to quote a number or boolean where text is expected', () => {
    const e = problems(valid.replace('kubernetesVersion: 1.34.0', 'kubernetesVersion: 1.34'));
    expect(e.problems[0]).toMatchObject({ path: 'spec.kubernetesVersion', value: 1.34, fix: 'quote it: "1.34"' });
  });

  it('tells to quote a number as it was written, trailing zeros kept', () => {
    const e = problems(valid.replace('kubernetesVersion: 1.34.0', 'kubernetesVersion: 1.30'));
    expect(e.problems[0]).toMatchObject({ path: 'spec.kubernetesVersion', fix: 'quote it: "1.30"' });
  });

  it.each([
    ['.nan', '.nan is not a number (YAML reads .nan as "not a number")'],
    ['.NaN', '.NaN is not a number (YAML reads .NaN as "not a number")'],
    ['1e400', '1e400 is too large: it is beyond what a number can hold'],
    ['-.inf', '-.inf is infinite'],
  ])('reports maxSize: %s as written, with the fix', (written, message) => {
    const text = valid.replace('  role: Node\n', `  role: Node\n  maxSize: ${written}\n`);
    const e = problems(text);
    const p = e.problems.find((q) => q.path.endsWith('spec.maxSize'));
    expect(p?.message).toContain(message);
    expect(p?.fix).toBe('write a whole number, e.g. maxSize: 3');
    expect(e.message).not.toContain('null');
    expect(text.split('\n')[(p?.line ?? 0) - 1]).toContain(written);
  });

  it('reports a non-finite number where text is expected as written', () => {
    const e = problems(valid.replace('kubernetesVersion: 1.34.0', 'kubernetesVersion: .inf'));
    expect(e.problems[0]).toMatchObject({ path: 'spec.kubernetesVersion', fix: 'quote it: ".inf"' });
    expect(e.message).not.toContain('null');
  });

  it('reports YAML syntax errors with line and column, and nothing else', () => {
    const e = problems('apiVersion: hoist.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: [a\nspec: {}\n');
    expect(e.code).toBe('INVALID_YAML');
    expect(e.problems[0]?.path).toBe('spec.yaml');
    expect(e.problems[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('refuses duplicate keys', () => {
    expect(problems('a: 1\na: 2\n').code).toBe('INVALID_YAML');
  });

  it.each([
    ['', 'holds no Cluster'],
    ['# only a comment\n', 'holds no Cluster'],
    ['---\n---\n', 'holds no Cluster'],
  ])('refuses a file with no document: %j', (text, message) => {
    expect(problems(text).problems[0]?.message).toContain(message);
  });

  it('names the accepted apiVersions and kinds', () => {
    const e = problems('apiVersion: v1\nkind: Pod\n');
    expect(e.problems.map((p) => p.path)).toEqual(['apiVersion', 'kind']);
    expect(e.problems[0]?.fix).toContain('hoist.dev/v1alpha1');
    expect(e.problems[0]?.fix).toContain('kops.k8s.io/v1alpha2');
    expect(e.problems[1]?.fix).toContain('Cluster or kind: InstanceGroup');
  });

  it('refuses bad names at parse time, so nothing path-like reaches the store', () => {
    const e = problems(valid.replace('name: nodes', 'name: ../../etc'));
    expect(e.problems[0]).toMatchObject({ path: 'InstanceGroup/../../etc:metadata.name' });
    expect(e.problems[0]?.message).toContain('looks like a path');
  });

  it('refuses an alias bomb quickly', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const started = Date.now();
    const e = problems(levels.join('\n'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e.code).toBe('INVALID_YAML');
    expect(e.problems[0]?.message).toContain('aliases');
  });

  it('survives deeply nested input', () => {
    const text = `${'['.repeat(20000)}${']'.repeat(20000)}`;
    expect(() => parseSpecText(text, 's', SPEC_RULES)).toThrow(HoistError);
  });
});
