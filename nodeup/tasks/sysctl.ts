/**
 * Sysctl: kernel settings in a sysctl.d file, applied with `sysctl --system` on a real host.
 * Under `--root` the file is written and applying is skipped (the host's kernel is not the
 * node's to change).
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { NodeContext } from '../context.js';
import { hostPath, tasksOf } from '../context.js';
import { readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

export interface SysctlFields {
  /** Kernel setting name to value, e.g. `net.ipv4.ip_forward: '1'`. */
  readonly settings: Readonly<Record<string, string | number>>;
}

export const sysctlTask = taskConstructor<SysctlFields>('Sysctl');

const run = promisify(execFile);

export function sysctlText(settings: SysctlFields['settings']): string {
  const lines = Object.keys(settings).sort().map((k) => `${k} = ${String(settings[k])}`);
  return `# Kubernetes settings, written by hoist nodeup.\n${lines.join('\n')}\n`;
}

function parseSysctl(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([^#;\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export const SysctlKind: TaskKind<NodeContext> = {
  kind: 'Sysctl',
  uses: [],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'Sysctl').map(async (t) => {
        const text = await readText(hostPath(ctx.root, t.name));
        return text === undefined ? undefined : { id: t.name, name: t.name, fields: { settings: parseSysctl(text) }, outputs: { id: t.name } };
      }),
    );
    return found.filter((o) => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    await writeAtomic(hostPath(ctx.root, task.name), sysctlText(fieldsOf<SysctlFields>(desired).settings), '0644');
    if (ctx.rooted) {
      ctx.events({ level: 'info', code: 'nodeup.sysctl.skipped', message: `${task.name}: written; not applied under --root (the host kernel is not this node's)`, data: { file: task.name } });
    } else {
      await run('sysctl', ['--system']);
    }
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  update(ctx, task, _live, desired) {
    return SysctlKind.create(ctx, task, desired);
  },
  async delete() {
    // Never: see File.
  },
};
