import { describe, expect, it } from 'vitest';
import { CycleError, criticalPath, topologicalOrder, validateGraph } from '../../src/engine/graph.js';
import type { GraphNode } from '../../src/engine/graph.js';
import { HoistError } from '../../src/errors.js';

const n = (id: string, ...dependsOn: string[]): GraphNode => ({ id, dependsOn });

function cycleError(nodes: GraphNode[]): CycleError {
  try {
    validateGraph(nodes);
  } catch (e) {
    if (e instanceof CycleError) return e;
    throw e;
  }
  throw new Error('no cycle found');
}

describe('validateGraph', () => {
  it('accepts a DAG and the empty graph', () => {
    expect(() => validateGraph([n('a'), n('b', 'a'), n('c', 'a', 'b')])).not.toThrow();
    expect(() => validateGraph([])).not.toThrow();
  });

  it('names a duplicate id with both places', () => {
    expect(() => validateGraph([n('a'), n('b'), n('a')])).toThrow(new HoistError('INTERNAL', 'the step graph is invalid: "a" is the id of more than one step (items 1 and 3)'));
  });

  it('names the step and the unknown step it depends on, every one of them', () => {
    expect(() => validateGraph([n('a', 'x'), n('b', 'a', 'y')])).toThrow(
      'the step graph is invalid:\n  - step "a" depends on "x", which is not a step\n  - step "b" depends on "y", which is not a step',
    );
  });

  it('names the steps of a cycle in order, from the earliest listed', () => {
    const e = cycleError([n('start'), n('b', 'c'), n('c', 'd'), n('a', 'b', 'start'), n('d', 'a')]);
    expect(e.cycles).toEqual([['b', 'c', 'd', 'a']]);
    expect(e.message).toBe('the steps form a cycle: b -> c -> d -> a -> b');
    expect(e.code).toBe('INTERNAL');
  });

  it('names a self-loop', () => {
    const e = cycleError([n('a'), n('self', 'a', 'self')]);
    expect(e.message).toBe('the steps form a cycle: self -> self');
  });

  it('names each of two disjoint cycles', () => {
    const e = cycleError([n('x', 'y'), n('p', 'q'), n('y', 'x'), n('q', 'r'), n('r', 'p'), n('ok', 'x')]);
    expect(e.cycles).toEqual([
      ['x', 'y'],
      ['p', 'q', 'r'],
    ]);
    expect(e.message).toBe('the steps form 2 cycles:\n  - x -> y -> x\n  - p -> q -> r -> p');
  });

  it('walks through every step of a tangle of cycles, each arrow a real dependency', () => {
    // a <-> b, b <-> c, c -> a: one strongly connected component that is no simple cycle.
    const nodes = [n('a', 'b'), n('b', 'a', 'c'), n('c', 'b', 'a')];
    const [walk] = cycleError(nodes).cycles;
    expect(new Set(walk)).toEqual(new Set(['a', 'b', 'c']));
    const deps = new Map(nodes.map((x) => [x.id, x.dependsOn]));
    walk!.forEach((id, i) => expect(deps.get(id)).toContain(walk![(i + 1) % walk!.length]));
  });

  it('handles a chain far longer than the call stack would allow', () => {
    const chain = Array.from({ length: 50_000 }, (_, i) => n(`s${i}`, ...(i === 0 ? ['s49999'] : [`s${i - 1}`])));
    expect(cycleError(chain).cycles[0]).toHaveLength(50_000);
  });
});

describe('topologicalOrder', () => {
  it('puts dependencies first and otherwise keeps the input order', () => {
    const order = topologicalOrder([n('d', 'c'), n('a'), n('c', 'b'), n('b'), n('e')]).map((x) => x.id);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('returns the nodes themselves', () => {
    const nodes = [{ id: 'b', dependsOn: ['a'], extra: 2 }, { id: 'a', dependsOn: [], extra: 1 }];
    expect(topologicalOrder(nodes)).toEqual([nodes[1], nodes[0]]);
  });

  it('throws on a cycle', () => {
    expect(() => topologicalOrder([n('a', 'b'), n('b', 'a')])).toThrow(CycleError);
  });
});

describe('criticalPath', () => {
  it('is the heaviest chain of dependencies', () => {
    const weights: Record<string, number> = { a: 5, b: 1, c: 1, d: 10, e: 2 };
    const nodes = [n('a'), n('b'), n('c', 'a', 'b'), n('d', 'b'), n('e', 'c')];
    expect(criticalPath(nodes, (x) => weights[x.id]!)).toBe(11);
    expect(criticalPath(nodes, () => 1)).toBe(3);
    expect(criticalPath([], () => 1)).toBe(0);
  });
});
