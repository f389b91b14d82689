/**
 * The kube-scheduler's configuration file, written when the cluster carries a
 * KubeSchedulerConfiguration (nodeup.yaml's controlPlane.scheduler.config): its fields over
 * hoist's defaults, as kops merges it, with hoist's kubeconfig. Without one the scheduler keeps
 * its flags alone, so the machines of clusters without it are unchanged.
 */

import { stringify } from 'yaml';
import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { file } from './types.js';

export const SCHEDULER_CONFIG_PATH = '/var/lib/kube-scheduler/config.yaml';

export interface SchedulerConfigFile {
  readonly task: Task;
  /** The scheduler's --config flag. */
  readonly flag: string;
  /** The host path its static pod mounts. */
  readonly hostPath: { readonly path: string; readonly readOnly: boolean };
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` merged into `base`: mappings field by field, anything else (lists too) replaced. */
export function mergeConfig(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const b = out[key];
    out[key] = isMap(b) && isMap(value) ? mergeConfig(b, value) : value;
  }
  return out;
}

/**
 * The file's content: hoist's defaults (its kubeconfig, leader election on, as its flags say),
 * the user's fields over them, and the kubeconfig forced back to hoist's: it holds the
 * scheduler's own credentials, which only nodeup knows where it wrote.
 */
export function schedulerConfiguration(user: Json, kubeconfig: string): Json {
  const defaults: Json = {
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    clientConnection: { kubeconfig },
    leaderElection: { leaderElect: true },
  };
  const merged = mergeConfig(defaults, user);
  const connection = isMap(merged['clientConnection']) ? merged['clientConnection'] : {};
  return { ...merged, apiVersion: defaults['apiVersion'], kind: defaults['kind'], clientConnection: { ...connection, kubeconfig } };
}

export function schedulerConfigFile(user: Json | undefined, kubeconfig: Task): SchedulerConfigFile | undefined {
  if (user === undefined) return undefined;
  const content = stringify(schedulerConfiguration(user, kubeconfig.name), { lineWidth: 0, sortMapEntries: true });
  return {
    task: file(SCHEDULER_CONFIG_PATH, content, [idOf(kubeconfig)]),
    flag: `--config=${SCHEDULER_CONFIG_PATH}`,
    hostPath: { path: SCHEDULER_CONFIG_PATH, readOnly: true },
  };
}
