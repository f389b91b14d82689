/**
 * The daemon's resources, in memory and in `state.json`.
 *
 * Every change is written at once, atomically (a temporary file renamed over the old one), so
 * a daemon killed at any moment restarts from the last change it acknowledged. Writes are
 * synchronous on purpose: the file is small, and a write that cannot reorder with the next one
 * needs no queue.
 */

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { RESOURCE_TYPES } from '../api-types.js';
import type { ResourceOf, ResourceType } from '../api-types.js';

type Maps = { [T in ResourceType]: Map<string, ResourceOf[T]> };
type Lists = { [T in ResourceType]: ResourceOf[T][] };

interface StateFile {
  readonly version: 1;
  readonly resources: Partial<Lists>;
}

export class CloudState {
  private readonly maps: Maps;
  private readonly file: string;

  private constructor(file: string, initial: Partial<Lists>) {
    this.file = file;
    const maps = {} as Record<ResourceType, Map<string, unknown>>;
    for (const type of RESOURCE_TYPES) {
      maps[type] = new Map((initial[type] ?? []).map((r) => [r.id, r]));
    }
    this.maps = maps as Maps;
  }

  /** Loads `file`; a missing file is an empty cloud, an unreadable one an error. */
  static load(file: string): CloudState {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new CloudState(file, {});
      throw e;
    }
    const parsed = JSON.parse(text) as StateFile;
    if (parsed.version !== 1 || typeof parsed.resources !== 'object') throw new Error(`${file} is not a local cloud state file (version 1)`);
    return new CloudState(file, parsed.resources);
  }

  /** Resources of `type` in creation order (ties by id): the order listings and pages use. */
  list<T extends ResourceType>(type: T): ResourceOf[T][] {
    return [...this.maps[type].values()].sort(byCreation);
  }

  get<T extends ResourceType>(type: T, id: string): ResourceOf[T] | undefined {
    return this.maps[type].get(id);
  }

  findByName<T extends ResourceType>(type: T, name: string): ResourceOf[T] | undefined {
    for (const r of this.maps[type].values()) if (r.name === name) return r;
    return undefined;
  }

  /** Adds or replaces a resource and saves. */
  put<T extends ResourceType>(type: T, resource: ResourceOf[T]): ResourceOf[T] {
    this.maps[type].set(resource.id, resource);
    this.save();
    return resource;
  }

  /** Applies several puts with one save. */
  putAll<T extends ResourceType>(type: T, resources: readonly ResourceOf[T][]): void {
    if (resources.length === 0) return;
    for (const r of resources) this.maps[type].set(r.id, r);
    this.save();
  }

  remove(type: ResourceType, id: string): void {
    if (this.maps[type].delete(id)) this.save();
  }

  counts(): Record<ResourceType, number> {
    const counts = {} as Record<ResourceType, number>;
    for (const type of RESOURCE_TYPES) counts[type] = this.maps[type].size;
    return counts;
  }

  save(): void {
    const resources = {} as Record<ResourceType, unknown[]>;
    for (const type of RESOURCE_TYPES) resources[type] = this.list(type);
    const body: StateFile = { version: 1, resources: resources as Lists };
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(body, null, 1)}\n`);
    renameSync(temp, this.file);
  }
}

function byCreation(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
