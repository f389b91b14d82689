/** The archives of nodeup.yaml, each extracted into /usr/local/bin: which files, how many folders to strip. */

import type { Task } from '../../src/engine/task.js';
import type { NodeupAsset } from '../config/schema.js';
import type { ModelInput } from './types.js';
import { archiveTask } from '../tasks/archive.js';
import { BIN_DIR } from './types.js';

const LAYOUT: Readonly<Record<NodeupAsset['name'], { readonly strip: number; readonly files: readonly string[] }>> = {
  'kubernetes-node': { strip: 3, files: ['kube-proxy', 'kubectl', 'kubelet'] },
  'kubernetes-server': { strip: 3, files: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] },
  etcd: { strip: 1, files: ['etcd', 'etcdctl'] },
  containerd: { strip: 1, files: ['containerd', 'containerd-shim-runc-v2', 'ctr'] },
};

export function assetTasks({ config }: ModelInput): Task[] {
  return config.assets.map((a) =>
    archiveTask(a.name, { source: a.url, sha256: a.sha256, ...(a.sha512 === undefined ? {} : { sha512: a.sha512 }), targetDir: BIN_DIR, strip: LAYOUT[a.name].strip, files: [...LAYOUT[a.name].files] }),
  );
}

/** The Archive task that installs `binary`, for dependencies. */
export function archiveOf(config: ModelInput['config'], binary: string): `Archive/${string}`[] {
  return config.assets.filter((a) => LAYOUT[a.name].files.includes(binary)).map((a) => `Archive/${a.name}` as const);
}
