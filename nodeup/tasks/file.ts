/** File: a text file with exact content and mode (configs, unit-less settings, manifests, CA certificates). */

import type { LiveObject, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { NodeContext } from '../context.js';
import { hostPath, tasksOf } from '../context.js';
import { modeOf, readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

export interface FileFields {
  readonly content: string;
  /** Octal, e.g. `0644`. */
  readonly mode: string;
}

export const fileTask = taskConstructor<FileFields>('File');

export const FileKind: TaskKind<NodeContext> = {
  kind: 'File',
  uses: ['Directory'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'File').map(async (t): Promise<LiveObject | undefined> => {
        const path = hostPath(ctx.root, t.name);
        const content = await readText(path);
        if (content === undefined) return undefined;
        return { id: t.name, name: t.name, fields: { content, mode: (await modeOf(path)) ?? '' }, outputs: { id: t.name } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    const d = fieldsOf<FileFields>(desired);
    await writeAtomic(hostPath(ctx.root, task.name), d.content, d.mode);
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  async update(ctx, task, _live, desired) {
    return FileKind.create(ctx, task, desired);
  },
  async delete() {
    // nodeup never deletes files: a machine whose config dropped one is replaced, not edited.
  },
};
