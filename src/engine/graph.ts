/**
 * Pure helpers on a graph of steps, where each node names the nodes it depends on. The
 * executor validates and orders with them; the planner and the benchmark use them too.
 *
 * An arrow `A -> B` means "A depends on B": B must finish before A starts.
 */

import { HoistError } from '../errors.js';
import { MinHeap } from './executor-heap.js';

export interface GraphNode {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

/**
 * The graph has a cycle. Each cycle lists its steps in order, each depending on the next and
 * the last on the first; a self-loop is a cycle of one step.
 */
export class CycleError extends HoistError {
  readonly cycles: readonly (readonly string[])[];

  constructor(cycles: readonly (readonly string[])[]) {
    const text = cycles.map((c) => [...c, c[0]].join(' -> '));
    const message =
      text.length === 1
        ? `the steps form a cycle: ${text[0]}`
        : `the steps form ${text.length} cycles:\n${text.map((t) => `  - ${t}`).join('\n')}`;
    // A cycle comes from the code that builds the steps, not from anything a user typed.
    super('INTERNAL', message, { hint: 'each arrow goes from a step to one it depends on; one of them must go' });
    this.cycles = cycles;
  }
}

/** A validated graph by position: `deps[i]` and `dependents[i]` hold positions, without repeats. */
export interface IndexedGraph {
  readonly ids: readonly string[];
  readonly position: ReadonlyMap<string, number>;
  readonly deps: readonly (readonly number[])[];
  readonly dependents: readonly (readonly number[])[];
}

/**
 * Throws a HoistError naming every duplicate id and every dependency on an unknown id, or a
 * CycleError naming every cycle; returns nothing when the graph can run.
 */
export function validateGraph(nodes: readonly GraphNode[]): void {
  indexGraph(nodes);
}

/** Validates (as validateGraph) and indexes the graph by position. */
export function indexGraph(nodes: readonly GraphNode[]): IndexedGraph {
  const position = new Map<string, number>();
  const problems: string[] = [];
  nodes.forEach((node, i) => {
    const first = position.get(node.id);
    if (first === undefined) position.set(node.id, i);
    else problems.push(`"${node.id}" is the id of more than one step (items ${first + 1} and ${i + 1})`);
  });
  const deps = nodes.map((node) => {
    const known = new Set<number>();
    for (const dep of node.dependsOn) {
      const at = position.get(dep);
      if (at === undefined) problems.push(`step "${node.id}" depends on "${dep}", which is not a step`);
      else known.add(at);
    }
    return [...known];
  });
  if (problems.length > 0) {
    const message =
      problems.length === 1 ? `the step graph is invalid: ${problems[0]}` : `the step graph is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
    throw new HoistError('INTERNAL', message);
  }
  const cycles = findCycles(deps).map((cycle) => cycle.map((i) => nodes[i]!.id));
  if (cycles.length > 0) throw new CycleError(cycles);
  const dependents: number[][] = nodes.map(() => []);
  deps.forEach((ds, i) => ds.forEach((d) => dependents[d]!.push(i)));
  return { ids: nodes.map((n) => n.id), position, deps, dependents };
}

/** Dependencies before dependents; among nodes ready at once, the earlier in the input first. */
export function topologicalOrder<T extends GraphNode>(nodes: readonly T[]): T[] {
  return topologicalPositions(indexGraph(nodes)).map((i) => nodes[i]!);
}

/** The weight of the heaviest chain of dependencies (0 for no nodes): no schedule is shorter. */
export function criticalPath<T extends GraphNode>(nodes: readonly T[], weight: (node: T) => number): number {
  const levels = bottomLevels(indexGraph(nodes), (i) => weight(nodes[i]!));
  return levels.reduce((a, b) => Math.max(a, b), 0);
}

/**
 * For each position, the weight of the heaviest path from it through the nodes that wait on
 * it, itself included: how much work still hangs on that node finishing.
 */
export function bottomLevels(graph: IndexedGraph, weight: (position: number) => number): number[] {
  const levels = graph.ids.map(() => 0);
  const order = topologicalPositions(graph);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    let tail = 0;
    for (const d of graph.dependents[i]!) tail = Math.max(tail, levels[d]!);
    levels[i] = weight(i) + tail;
  }
  return levels;
}

function topologicalPositions(graph: IndexedGraph): number[] {
  const waiting = graph.deps.map((d) => d.length);
  const ready = new MinHeap<number>((a, b) => a < b);
  waiting.forEach((w, i) => w === 0 && ready.push(i));
  const order: number[] = [];
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    order.push(i);
    for (const d of graph.dependents[i]!) if (--waiting[d]! === 0) ready.push(d);
  }
  return order;
}

/**
 * Every strongly connected component that holds a cycle (Tarjan's algorithm, iterative so that
 * long chains cannot overflow the stack), each as a closed walk through all of its nodes that
 * starts at its earliest node; components in the order of their earliest node.
 */
function findCycles(deps: readonly (readonly number[])[]): number[][] {
  const n = deps.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const frames: { v: number; edge: number }[] = [{ v: root, edge: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const { v } = frame;
      const w = deps[v]![frame.edge++];
      if (w !== undefined) {
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          frames.push({ v: w, edge: 0 });
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low[parent.v] = Math.min(low[parent.v]!, low[v]!);
      if (low[v] !== index[v]) continue;
      const component: number[] = [];
      for (let w2 = stack.pop(); w2 !== undefined; w2 = stack.pop()) {
        onStack[w2] = false;
        component.push(w2);
        if (w2 === v) break;
      }
      if (component.length > 1 || deps[v]!.includes(v)) components.push(component);
    }
  }
  return components.map((c) => closedWalk(c, deps)).sort((a, b) => a[0]! - b[0]!);
}

/**
 * A walk that visits every node of a strongly connected component and returns to its start,
 * always going on to the nearest node not seen yet. For a simple cycle that is the cycle.
 */
function closedWalk(component: readonly number[], deps: readonly (readonly number[])[]): number[] {
  const members = new Set(component);
  const start = Math.min(...component);
  const walk = [start];
  const seen = new Set([start]);
  let at = start;
  while (seen.size < members.size) {
    const path = shortestPath(at, (v) => !seen.has(v), members, deps);
    for (const v of path) seen.add(v);
    walk.push(...path);
    at = path[path.length - 1]!;
  }
  // The way back to the start: its last node is the start itself, implied by the cycle.
  if (at !== start) walk.push(...shortestPath(at, (v) => v === start, members, deps).slice(0, -1));
  return walk;
}

/** Breadth-first from `from` (excluded) to the nearest node that is `wanted`, within `members`. */
function shortestPath(
  from: number,
  wanted: (v: number) => boolean,
  members: ReadonlySet<number>,
  deps: readonly (readonly number[])[],
): number[] {
  const parent = new Map<number, number>([[from, -1]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const w of deps[v]!) {
      if (!members.has(w) || parent.has(w)) continue;
      parent.set(w, v);
      if (wanted(w)) {
        const path = [w];
        for (let p = v; p !== from; p = parent.get(p)!) path.unshift(p);
        return path;
      }
      queue.push(w);
    }
  }
  // Unreachable: every node of a strongly connected component reaches every other.
  throw new HoistError('INTERNAL', 'no path inside a strongly connected component');
}
