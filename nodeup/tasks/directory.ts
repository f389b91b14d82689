/** Directory: a folder with a mode. */

import { chmod, mkdir } from 'node:fs/promises';
import type { LiveObject, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { NodeContext } from '../context.js';
import { hostPath, tasksOf } from '../context.js';
import { modeOf } from './fs.js';
import { fieldsOf } from './kind.js';

export interface DirectoryFields {
  /** Octal, e.g. `0755`. */
  readonly mode: string;
}

export const directoryTask = taskConstructor<DirectoryFields>('Directory');

export const DirectoryKind: TaskKind<NodeContext> = {
  kind: 'Directory',
  uses: [],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'Directory').map(async (t): Promise<LiveObject | undefined> => {
        const mode = await modeOf(hostPath(ctx.root, t.name));
        return mode === undefined ? undefined : { id: t.name, name: t.name, fields: { mode }, outputs: { id: t.name } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    const path = hostPath(ctx.root, task.name);
    await mkdir(path, { recursive: true });
    await chmod(path, Number.parseInt(fieldsOf<DirectoryFields>(desired).mode, 8));
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  update(ctx, task, _live, desired) {
    return DirectoryKind.create(ctx, task, desired);
  },
  async delete() {
    // Never: see File.
  },
};
