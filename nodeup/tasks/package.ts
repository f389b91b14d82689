/** Package: an OS package installed with apt; under --root recorded as skipped, with a note. */

import type { TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { NodeContext } from '../context.js';
import { tasksOf } from '../context.js';
import { SKIPPED_NOTE } from '../services/packages.js';

/** The package's name is the task's name. */
export interface PackageFields {
  readonly installed: true;
}

export const packageTask = taskConstructor<PackageFields>('Package');

export const PackageKind: TaskKind<NodeContext> = {
  kind: 'Package',
  uses: [],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'Package').map(async (t) => ((await ctx.packages.installed(t.name)) ? { id: t.name, name: t.name, fields: { installed: true }, outputs: { id: t.name } } : undefined)),
    );
    return found.filter((o) => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    await ctx.packages.install(task.name);
    if (ctx.packages.kind === 'recorded') {
      ctx.events({ level: 'info', code: 'nodeup.package.skipped', message: `package ${task.name}: ${SKIPPED_NOTE}`, data: { package: task.name } });
    }
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  update(ctx, task, _live, desired) {
    return PackageKind.create(ctx, task, desired);
  },
  async delete() {
    // Packages stay: other software may need them.
  },
};
