/** containerd: its config.toml and its service. */

import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { archiveOf } from './assets.js';
import type { ModelInput } from './types.js';
import { serviceTask } from '../tasks/service.js';
import { BIN_DIR, after, file, hashOf } from './types.js';
import { proxyEnvFile, proxyUnitLines } from './egress-proxy.js';

export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';
export const CONTAINERD_SOCKET = 'unix:///run/containerd/containerd.sock';

export function containerdTasks({ config }: ModelInput): Task[] {
  const toml = [
    '# containerd configuration, written by hoist nodeup.',
    'version = 3',
    '',
    "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
    `  sandbox = ${JSON.stringify(config.containerd.sandboxImage)}`,
    '',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
    '  SystemdCgroup = true',
    '',
  ].join('\n');
  const conf = file(CONTAINERD_CONFIG, toml);
  const unit = [
    '[Unit]',
    'Description=containerd container runtime',
    'After=network.target',
    '',
    '[Service]',
    `ExecStart=${BIN_DIR}/containerd --config ${CONTAINERD_CONFIG}`,
    // Image pulls go through spec.egressProxy.
    ...proxyUnitLines(config),
    'Restart=always',
    'RestartSec=5',
    'Delegate=yes',
    'KillMode=process',
    'LimitNOFILE=infinity',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  const proxy = proxyEnvFile(config);
  const service = serviceTask(
    'containerd.service',
    { unit, enabled: true, running: true, restartOn: proxy === undefined ? hashOf(toml) : hashOf(toml, proxy.desired) },
    after([idOf(conf), ...(proxy === undefined ? [] : [idOf(proxy)]), ...archiveOf(config, 'containerd')]),
  );
  return [conf, service];
}
