/**
 * The user's own machine settings (spec.fileAssets and spec.hooks, the Cluster's and the
 * group's merged by cloudup): files written before anything else starts, and each hook as a
 * systemd unit. A hook runs once per boot, before the units it names (kops's hooks).
 */

import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import type { NodeupConfig } from '../config/schema.js';
import { fileTask } from '../tasks/file.js';
import { serviceTask } from '../tasks/service.js';
import type { ModelInput } from './types.js';
import { BIN_DIR, after, hashOf } from './types.js';

type Hook = NonNullable<NodeupConfig['hooks']>[number];

/** Where hooks' containers run: the Kubernetes namespace of containerd, as the kubelet's pods. */
const CTR = `${BIN_DIR}/ctr --namespace k8s.io`;

export function machineTasks({ config }: ModelInput): Task[] {
  const files = (config.files ?? []).map((f) =>
    f.isBase64
      ? fileTask(f.path, { content: Buffer.from(f.content, 'base64').toString('base64'), mode: f.mode, encoding: 'base64' })
      : fileTask(f.path, { content: f.content, mode: f.mode }),
  );
  const hooks = (config.hooks ?? []).map((h) =>
    serviceTask(h.name, { unit: hookUnit(h, config.cluster), enabled: h.enabled, running: h.enabled, restartOn: hashOf(h) }, after(files.map(idOf))),
  );
  return [...files, ...hooks];
}

/** The unit file of a hook: the user's own with useRawManifest, else hoist's around it. */
export function hookUnit(h: Hook, cluster: string): string {
  if (h.useRawManifest && h.manifest !== undefined) return h.manifest.endsWith('\n') ? h.manifest : `${h.manifest}\n`;
  const requires = [...(h.execContainer ? ['containerd.service'] : []), ...h.requires];
  const unit = [
    '[Unit]',
    `Description=hoist hook ${h.name} of ${cluster}`,
    // A container hook needs containerd, which runs it.
    ...(h.execContainer ? ['After=containerd.service'] : []),
    ...(requires.length > 0 ? [`Requires=${requires.join(' ')}`] : []),
    ...(h.before.length > 0 ? [`Before=${h.before.join(' ')}`] : []),
    '',
    '[Service]',
    ...(h.execContainer ? containerService(h.name, h.execContainer) : (h.manifest ?? '').trimEnd().split('\n')),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return `${unit.join('\n')}\n`;
}

function containerService(name: string, e: NonNullable<Hook['execContainer']>): string[] {
  const env = Object.keys(e.environment).sort().map((k) => `--env ${quote(`${k}=${e.environment[k] ?? ''}`)}`);
  const container = `hoist-hook-${name.replace(/\.service$/, '')}`;
  return [
    'Type=oneshot',
    // Stays active once it has run, so that nodeup sees it done rather than stopped.
    'RemainAfterExit=yes',
    `ExecStartPre=${CTR} images pull ${quote(e.image)}`,
    `ExecStart=${[CTR, 'run', '--rm', '--net-host', ...env, quote(e.image), quote(container), ...e.command.map(quote)].join(' ')}`,
  ];
}

/** A systemd command-line word: quoted when it holds spaces, quotes, backslashes or `%`/`$`. */
function quote(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
