/** File: a text file with exact content and mode (configs, unit-less settings, manifests, CA certificates). */

import type { LiveObject, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { NodeContext } from '../context.js';
import { hostPath, tasksOf } from '../context.js';
import { modeOf, readText, writeAtomic } from './fs.js';
import { readFile } from 'node:fs/promises';
import { fieldsOf } from './kind.js';

export interface FileFields {
  /** The text, or with `encoding: base64` the bytes in base64 (binary files of spec.fileAssets). */
  readonly content: string;
  /** Octal, e.g. `0644`. */
  readonly mode: string;
  readonly encoding?: 'base64';
}

const bytesOf = (d: FileFields): string | Uint8Array => (d.encoding === 'base64' ? Buffer.from(d.content, 'base64') : d.content);

export const fileTask = taskConstructor<FileFields>('File');

export const FileKind: TaskKind<NodeContext> = {
  kind: 'File',
  uses: ['Directory'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'File').map(async (t): Promise<LiveObject | undefined> => {
        const path = hostPath(ctx.root, t.name);
        const base64 = fieldsOf<FileFields>(t.desired).encoding === 'base64';
        const content = base64 ? await readBase64(path) : await readText(path);
        if (content === undefined) return undefined;
        return { id: t.name, name: t.name, fields: { content, mode: (await modeOf(path)) ?? '', ...(base64 ? { encoding: 'base64' } : {}) }, outputs: { id: t.name } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    const d = fieldsOf<FileFields>(desired);
    await writeAtomic(hostPath(ctx.root, task.name), bytesOf(d), d.mode);
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  async update(ctx, task, _live, desired) {
    return FileKind.create(ctx, task, desired);
  },
  async delete() {
    // nodeup never deletes files: a machine whose config dropped one is replaced, not edited.
  },
};

/** The file's bytes in base64 (compared with the desired base64 after normalising it). */
async function readBase64(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path)).toString('base64');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
