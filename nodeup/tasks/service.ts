/**
 * Service: a systemd unit, enabled and running. The unit file is written to
 * /etc/systemd/system; the machine's ServiceManager (systemd, the local instance's supervisor,
 * or a record under --root) enables and starts it. `restartOn` is a hash of the files the
 * service reads: when it changes the service is restarted, since a running daemon does not
 * notice a new configuration on its own.
 */

import type { FieldChange } from '../../src/engine/plan.js';
import type { LiveObject, ResolvedFields, Task, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { NodeContext } from '../context.js';
import { STATE_DIR, hostPath, tasksOf } from '../context.js';
import { readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

/** The unit's name (`kubelet.service`) is the task's name. */
export interface ServiceFields {
  /** The unit file's text. */
  readonly unit: string;
  readonly enabled: boolean;
  readonly running: boolean;
  /** A hash of the files the service reads: a new one restarts it. */
  readonly restartOn: string;
}

export const serviceTask = taskConstructor<ServiceFields>('Service');

export const unitPath = (name: string): string => `/etc/systemd/system/${name}`;
const restartRecord = (name: string) => `${STATE_DIR}/service-config/${name}`;

function live(task: Task, fields: ResolvedFields): LiveObject {
  return { id: task.name, name: task.name, fields, outputs: { id: task.name } };
}

async function converge(ctx: NodeContext, task: Task, desired: ResolvedFields, changed: (field: string) => boolean): Promise<LiveObject> {
  const d = fieldsOf<ServiceFields>(desired);
  const unit = d.unit;
  if (changed('unit')) {
    await writeAtomic(hostPath(ctx.root, unitPath(task.name)), unit, '0644');
    await ctx.services.reload();
  }
  if (d.enabled && changed('enabled')) await ctx.services.enable(task.name);
  if (d.running) {
    if (changed('unit') || changed('restartOn')) await ctx.services.restart(task.name, unit);
    else if (changed('running')) await ctx.services.start(task.name, unit);
  }
  await writeAtomic(hostPath(ctx.root, restartRecord(task.name)), `${d.restartOn}\n`, '0644');
  return live(task, desired);
}

export const ServiceKind: TaskKind<NodeContext> = {
  kind: 'Service',
  uses: ['File', 'Archive', 'Certificate', 'Kubeconfig'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'Service').map(async (t) => {
        const unit = await readText(hostPath(ctx.root, unitPath(t.name)));
        if (unit === undefined) return undefined;
        const [state, restartOn] = await Promise.all([ctx.services.state(t.name), readText(hostPath(ctx.root, restartRecord(t.name)))]);
        return live(t, { unit, enabled: state.enabled, running: state.running, restartOn: restartOn?.trim() ?? '' });
      }),
    );
    return found.filter((o) => o !== undefined);
  },
  checkChanges: () => ({}),
  create(ctx, task, desired) {
    return converge(ctx, task, desired, () => true);
  },
  update(ctx, task, _live, desired, changes: readonly FieldChange[]) {
    return converge(ctx, task, desired, (field) => changes.some((c) => c.path === field));
  },
  async delete() {
    // Never: see File.
  },
};
