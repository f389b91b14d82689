import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/apply.js';
import { diffFields, resolveFields, resolveValue, UNKNOWN } from '../../src/engine/diff.js';
import { discoverAll } from '../../src/engine/discover.js';
import type { Plan } from '../../src/engine/plan.js';
import { hasChanges, worstImpact } from '../../src/engine/plan.js';
import { buildPlan } from '../../src/engine/planner.js';
import { renderPlanText } from '../../src/engine/render-text.js';
import type { Fields, Ref, Task, TaskKind, Value } from '../../src/engine/task.js';
import { ref } from '../../src/engine/task.js';
import { ValidationError } from '../../src/errors.js';
import { checkSavedPlan } from '../../src/cli/shared/saved-plan.js';
import type { MemoryCloud } from './memory-kind.js';
import { memoryCloud, memoryKind } from './memory-kind.js';

const kinds = new Map<string, TaskKind<MemoryCloud>>([
  ['Network', memoryKind('Network', { immutable: ['cidr'] })],
  ['Subnet', memoryKind('Subnet', { uses: ['Network'], immutable: ['networkId', 'cidr'] })],
  ['Group', memoryKind('Group', { uses: ['Subnet'] })],
]);

function tasks(opts: { max?: number; cidr?: string; subnets?: string[]; userData?: string } = {}): Task[] {
  const subnets = opts.subnets ?? ['a', 'b'];
  return [
    { kind: 'Network', name: 'net', lifecycle: 'Sync', dependsOn: [], desired: { cidr: opts.cidr ?? '127.20.0.0/16' } },
    ...subnets.map((s, i): Task => ({ kind: 'Subnet', name: s, lifecycle: 'Sync', dependsOn: ['Network/net'], desired: { networkId: ref('Network/net'), cidr: `127.20.${32 * (i + 1)}.0/19` } })),
    {
      kind: 'Group', name: 'nodes', lifecycle: 'Sync', dependsOn: subnets.map((s) => `Subnet/${s}` as const),
      desired: { subnetIds: subnets.map((s) => ref(`Subnet/${s}`)), maxSize: opts.max ?? 2, ...(opts.userData ? { userData: opts.userData } : {}) },
    },
  ];
}

async function plan(cloud: MemoryCloud, t: Task[], specRevision = 1) {
  const discovered = await discoverAll(kinds, cloud);
  return buildPlan({ cluster: 'c', cloud: 'memory', specRevision, tasks: t, kinds, now: () => new Date(0) }, discovered);
}

async function converge(cloud: MemoryCloud, t: Task[]) {
  const result = await plan(cloud, t);
  const run = await applyPlan({ result, kinds, ctx: cloud, executor: { retry: { baseDelayMs: 1, maxDelayMs: 5 } } });
  expect(run.failures).toEqual([]);
  return result.plan;
}

const actions = (p: Plan) => Object.fromEntries(p.changes.map((c) => [c.id, c.action]));

describe('planning and applying', () => {
  it('creates everything, then plans no changes', async () => {
    const cloud = memoryCloud();
    const first = await converge(cloud, tasks());
    expect(first.summary).toEqual({ create: 4, update: 0, replace: 0, delete: 0, noop: 0 });
    // Creation order follows the dependencies.
    expect(cloud.calls.filter((c) => c.startsWith('create')).indexOf('create Network/net')).toBe(0);
    expect(cloud.calls.at(-1)).toBe('create Group/nodes');
    const again = await plan(cloud, tasks());
    expect(hasChanges(again.plan)).toBe(false);
    expect(again.plan.summary.noop).toBe(4);
  });

  it('shows a reference to an object being created as known after apply', async () => {
    const p = (await plan(memoryCloud(), tasks())).plan;
    const subnet = p.changes.find((c) => c.id === 'Subnet/a')!;
    expect(subnet.changes).toContainEqual({ path: 'networkId', after: { $ref: 'Network/net', output: 'id' } });
    expect(renderPlanText(p)).toContain('networkId  (known after apply: Network/net id)');
  });

  it('updates exactly the changed field and converges', async () => {
    const cloud = memoryCloud();
    await converge(cloud, tasks());
    const p = (await plan(cloud, tasks({ max: 5 }))).plan;
    expect(p.changes.filter((c) => c.action !== 'noop')).toEqual([
      expect.objectContaining({ id: 'Group/nodes', action: 'update', changes: [{ path: 'maxSize', before: 2, after: 5 }] }),
    ]);
    expect(renderPlanText(p)).toMatch(/Will modify resources:\n {2}Group\/nodes\n {4}maxSize {2}2 -> 5/);
    await converge(cloud, tasks({ max: 5 }));
    expect(hasChanges((await plan(cloud, tasks({ max: 5 }))).plan)).toBe(false);
  });

  it('replaces for an immutable field, and what refers to it follows', async () => {
    const cloud = memoryCloud();
    await converge(cloud, tasks());
    const p = (await plan(cloud, tasks({ cidr: '127.30.0.0/16' }))).plan;
    expect(actions(p)).toMatchObject({ 'Network/net': 'replace', 'Subnet/a': 'replace', 'Group/nodes': 'update' });
    expect(p.changes.find((c) => c.id === 'Network/net')?.replaceReason).toBe('cidr cannot change in place');
    expect(worstImpact(p.changes.map((c) => c.action))).toBe('replace');
  });

  it('deletes what the spec no longer has, after moving its users off it', async () => {
    const cloud = memoryCloud();
    await converge(cloud, tasks());
    const p = await converge(cloud, tasks({ subnets: ['a'] }));
    expect(actions(p)).toMatchObject({ 'Subnet/b': 'delete', 'Group/nodes': 'update' });
    expect(cloud.calls.indexOf('update Group/nodes')).toBeLessThan(cloud.calls.indexOf('delete Subnet/b'));
    expect([...cloud.objects.values()].map((o) => o.name).sort()).toEqual(['a', 'net', 'nodes']);
  });

  it('deletes duplicates of an object and never shared objects', async () => {
    const cloud = memoryCloud();
    await converge(cloud, tasks());
    cloud.objects.set('subnet-99', { kind: 'Subnet', id: 'subnet-99', name: 'a', fields: {}, outputs: { id: 'subnet-99' } });
    cloud.objects.set('network-77', { kind: 'Network', id: 'network-77', name: 'theirs', fields: {}, outputs: { id: 'network-77' }, shared: true });
    const p = (await plan(cloud, tasks())).plan;
    expect(p.changes.filter((c) => c.action === 'delete')).toEqual([
      expect.objectContaining({ id: 'Subnet/a#subnet-99', liveId: 'subnet-99', deleteReason: 'a duplicate of Subnet/a' }),
    ]);
  });

  it('a field the task leaves unset is not compared', async () => {
    const cloud = memoryCloud();
    await converge(cloud, tasks({ userData: 'x' }));
    expect(hasChanges((await plan(cloud, tasks())).plan)).toBe(false);
  });

  it('refuses an object that must exist but does not, and ignores Ignore', async () => {
    const t = tasks();
    const shared: Task = { ...t[0]!, lifecycle: 'ExistsAndValidates' };
    await expect(plan(memoryCloud(), [shared, ...t.slice(1)])).rejects.toBeInstanceOf(ValidationError);
    const ignored = (await plan(memoryCloud(), [{ ...t[0]!, lifecycle: 'Ignore' }])).plan;
    expect(ignored.summary).toMatchObject({ create: 0, noop: 1 });
  });

  it('names a model error: a reference without a dependency', async () => {
    const bad: Task = { kind: 'Subnet', name: 'x', lifecycle: 'Sync', dependsOn: [], desired: { networkId: ref('Network/net') } };
    await expect(plan(memoryCloud(), [bad])).rejects.toThrow('task Subnet/x refers to Network/net without depending on it');
  });

  it('shows long values as a unified diff', async () => {
    const cloud = memoryCloud();
    await converge(cloud, tasks({ userData: 'a: 1\nb: 2\nc: 3\n' }));
    const text = renderPlanText((await plan(cloud, tasks({ userData: 'a: 1\nb: 5\nc: 3\n' }))).plan);
    expect(text).toContain('userData  (diff)');
    expect(text).toMatch(/ {6}-b: 2\n {6}\+b: 5/);
  });
});

describe('saved plans', () => {
  it('accepts an unchanged plan and refuses a stale one with the reason', async () => {
    const cloud = memoryCloud();
    await converge(cloud, tasks());
    const saved = (await plan(cloud, tasks({ max: 4 }))).plan;
    expect(() => checkSavedPlan(saved, saved)).not.toThrow();
    const newer = (await plan(cloud, tasks({ max: 4 }), 2)).plan;
    expect(() => checkSavedPlan(saved, newer)).toThrow(/made from revision 1 of the spec, which is now at revision 2/);
    await converge(cloud, tasks({ max: 3 }));
    const drifted = (await plan(cloud, tasks({ max: 4 }))).plan;
    expect(() => checkSavedPlan(saved, drifted)).toThrow(/live cloud changed since it was made:\n {2}Group\/nodes/);
  });
});

describe('diff properties', () => {
  const json: fc.Arbitrary<Fields> = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<never>);
  it('a value never differs from itself, and never from a superset of it', () => {
    fc.assert(
      fc.property(json, json, (x, extra) => {
        expect(diffFields(x, x as never, () => undefined)).toEqual([]);
        expect(diffFields(x, { ...extra, ...x } as never, () => undefined)).toEqual([]);
      }),
    );
  });
  it('does not change its inputs', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const copyA = structuredClone(a);
        const copyB = structuredClone(b);
        diffFields(a, b as never, () => undefined);
        expect(a).toEqual(copyA);
        expect(b).toEqual(copyB);
      }),
    );
  });
  it('resolves Refs as a copying walk does, keeps a value without Refs as it is, and never changes its input', () => {
    // Refs to Group/known resolve to their output's name; any other Ref is not known yet.
    const resolver = (r: Ref) => (r.$ref === 'Group/known' ? `resolved-${r.output}` : undefined);
    const copying = (v: Value): unknown => {
      if (typeof v !== 'object' || v === null) return v;
      if ('$ref' in v && 'output' in v) return resolver(v as Ref) ?? UNKNOWN;
      const items = Array.isArray(v) ? (v as Value[]).map(copying) : Object.entries(v).map(([k, x]) => [k, copying(x as Value)] as const);
      if (Array.isArray(v)) return items.includes(UNKNOWN) ? UNKNOWN : items;
      const entries = items as (readonly [string, unknown])[];
      return entries.some(([, x]) => x === UNKNOWN) ? UNKNOWN : Object.fromEntries(entries);
    };
    const refs = fc.constantFrom<Value>(ref('Group/known'), ref('Group/known', 'arn'), ref('Group/later'));
    const value = fc.letrec<{ v: Value }>((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Value>, refs, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 4 }), tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const before = structuredClone(v);
        const out = resolveValue(v, resolver);
        expect(out).toEqual(copying(v));
        expect(v).toEqual(before);
        if (!JSON.stringify(v).includes('$ref')) expect(out).toBe(v);
      }),
    );
    // What a task's create or update is given is a copy of its own.
    const desired: Fields = { tags: { a: '1' }, ids: [ref('Group/known')] };
    const given = resolveFields(desired, resolver);
    expect(given).toEqual({ tags: { a: '1' }, ids: ['resolved-id'] });
    expect(given['tags']).not.toBe(desired['tags']);
  });
});
