/**
 * SecretFile: a file of the cluster's secret store written on the machine (the kubelet's image
 * pull credentials, the API server's EncryptionConfiguration), mode 0600. Its content is never a
 * desired field, so node plans show only which secret and its sha256, never the secret itself.
 */

import type { LiveObject, ResolvedFields, Task, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import { hashText } from '../config/hash.js';
import type { NodeContext } from '../context.js';
import { hostPath, tasksOf } from '../context.js';
import { modeOf, readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

export interface SecretFileFields {
  /** The secret's name in nodeup.yaml (`dockerconfig`, `encryptionconfig`). */
  readonly secret: string;
  readonly sha256: string;
  readonly mode: string;
}

export const secretFileTask = taskConstructor<SecretFileFields>('SecretFile');


async function write(ctx: NodeContext, task: Task, desired: ResolvedFields): Promise<LiveObject> {
  const d = fieldsOf<SecretFileFields>(desired);
  await writeAtomic(hostPath(ctx.root, task.name), ctx.pki.secret(d.secret).content, d.mode);
  return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
}

export const SecretFileKind: TaskKind<NodeContext> = {
  kind: 'SecretFile',
  uses: ['Directory'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'SecretFile').map(async (t): Promise<LiveObject | undefined> => {
        const path = hostPath(ctx.root, t.name);
        const content = await readText(path);
        if (content === undefined) return undefined;
        const secret = fieldsOf<SecretFileFields>(t.desired).secret;
        return { id: t.name, name: t.name, fields: { secret, sha256: hashText(content), mode: (await modeOf(path)) ?? '' }, outputs: { id: t.name } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: () => ({}),
  create: (ctx, task, desired) => write(ctx, task, desired),
  update: (ctx, task, _live, desired) => write(ctx, task, desired),
  async delete() {
    // As with File: a machine whose config dropped a secret is replaced, not edited.
  },
};
