/**
 * An in-memory cloud for the engine's unit tests: each kind keeps its objects in a map, so that
 * planning and applying can be tested without any cloud. Immutable fields force a replace;
 * deleting an object that another object refers to is "still in use" (NotReadyError).
 */

import { NotReadyError } from '../../src/engine/executor.js';
import type { LiveObject, ResolvedFields, TaskKind } from '../../src/engine/task.js';
import { changesTouch } from '../../src/engine/task.js';

export interface MemoryCloud {
  readonly objects: Map<string, LiveObject & { kind: string }>;
  calls: string[];
  nextId: number;
}

export function memoryCloud(): MemoryCloud {
  return { objects: new Map(), calls: [], nextId: 1 };
}

export function memoryKind(kind: string, opts: { uses?: string[]; immutable?: string[] } = {}): TaskKind<MemoryCloud> {
  const usedBy = (cloud: MemoryCloud, id: string) =>
    [...cloud.objects.values()].some((o) => JSON.stringify(o.fields).includes(`"${id}"`));
  return {
    kind,
    uses: opts.uses ?? [],
    async discover(cloud) {
      cloud.calls.push(`discover ${kind}`);
      return [...cloud.objects.values()].filter((o) => o.kind === kind);
    },
    checkChanges(_live, changes) {
      const fixed = changesTouch(changes, opts.immutable ?? []);
      return fixed ? { replaceReason: `${fixed.path} cannot change in place` } : {};
    },
    async create(cloud, task, desired) {
      cloud.calls.push(`create ${kind}/${task.name}`);
      const id = `${kind.toLowerCase()}-${cloud.nextId++}`;
      const obj = { kind, id, name: task.name, fields: desired, outputs: { id, ...desired } };
      cloud.objects.set(id, obj);
      return obj;
    },
    async update(cloud, task, live, desired) {
      cloud.calls.push(`update ${kind}/${task.name}`);
      const obj = { kind, id: live.id, name: live.name, fields: { ...live.fields, ...desired } as ResolvedFields, outputs: { id: live.id, ...desired } };
      cloud.objects.set(live.id, obj);
      return obj;
    },
    async delete(cloud, live) {
      if (usedBy(cloud, live.id)) throw new NotReadyError(`${kind}/${live.name} is still in use`);
      cloud.calls.push(`delete ${kind}/${live.name}`);
      cloud.objects.delete(live.id);
    },
  };
}
