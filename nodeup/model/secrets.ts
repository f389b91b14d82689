/**
 * The files of the cluster's secret store a machine gets: the docker config as the kubelet's
 * image pull credentials (`/var/lib/kubelet/config.json`, which the kubelet reads and passes
 * to containerd with each pull), and on the control plane the EncryptionConfiguration the API
 * server reads with `--encryption-provider-config`.
 */

import type { Task, TaskId } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { secretFileTask } from '../tasks/secret-file.js';
import type { ModelInput } from './types.js';
import { KUBELET_DIR } from './types.js';

export const DOCKER_CONFIG_PATH = `${KUBELET_DIR}/config.json`;
export const ENCRYPTION_CONFIG_PATH = '/etc/kubernetes/encryption/encryptionconfig.yaml';

const PATHS: Readonly<Record<string, string>> = { dockerconfig: DOCKER_CONFIG_PATH, encryptionconfig: ENCRYPTION_CONFIG_PATH };

export function secretFileTasks({ config }: ModelInput): Task[] {
  return (config.secrets ?? []).flatMap(({ name, sha256 }) => {
    const path = PATHS[name];
    return path === undefined ? [] : [secretFileTask(path, { secret: name, sha256, mode: '0600' })];
  });
}

/** The EncryptionConfiguration's task, when this machine has one: the API server's flag names it. */
export function encryptionConfigTask(input: ModelInput): TaskId | undefined {
  return (input.config.secrets ?? []).some((s) => s.name === 'encryptionconfig') ? idOf({ kind: 'SecretFile', name: ENCRYPTION_CONFIG_PATH }) : undefined;
}
