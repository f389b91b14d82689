/**
 * What node task kinds work with: the folder that stands for `/`, how services and packages
 * are managed on this machine, the CA material nodeup read, and the tasks to look for (a node
 * "discovers" only the objects its tasks name: a machine has no ownership tags to list by).
 */

import { isAbsolute, relative, resolve, sep } from 'node:path';
import { HoistError } from '../src/errors.js';
import type { Task } from '../src/engine/task.js';
import type { EventSink } from '../src/output/events.js';
import type { NodePki } from './pki/material.js';
import type { PackageManager } from './services/packages.js';
import type { ServiceManager } from './services/manager.js';

export interface NodeContext {
  /** `/` on a real machine; the instance's folder under `--root`. */
  readonly root: string;
  /** True under `--root`: nothing outside it is touched (no systemctl, sysctl or apt). */
  readonly rooted: boolean;
  readonly services: ServiceManager;
  readonly packages: PackageManager;
  readonly pki: NodePki;
  /** The tasks of this run by kind: what discovery looks at. */
  readonly wanted: ReadonlyMap<string, readonly Task[]>;
  readonly events: EventSink;
}

/** nodeup's own records (archives extracted, services' configuration hashes, packages skipped). */
export const STATE_DIR = '/var/lib/hoist/nodeup';
/** Downloaded archives, by checksum. */
export const CACHE_DIR = '/var/cache/hoist/nodeup';

/**
 * The real path of a node path: `/etc/x` is `<root>/etc/x`. Refuses anything that would land
 * outside the root, so that `--root` really confines every write.
 */
export function hostPath(root: string, path: string): string {
  if (!isAbsolute(path)) throw new HoistError('INTERNAL', `node path ${path} is not absolute`);
  const real = resolve(root, `.${path}`);
  const rel = relative(resolve(root), real);
  if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) throw new HoistError('INTERNAL', `node path ${path} is outside ${root}`);
  return real;
}

export function tasksOf(ctx: NodeContext, kind: string): readonly Task[] {
  return ctx.wanted.get(kind) ?? [];
}
