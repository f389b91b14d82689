/** What the node model builders share: their input, their output, and small task constructors. */

import { createHash } from 'node:crypto';
import type { Task, TaskId, TaskOptions } from '../../src/engine/task.js';
import type { NodeupConfig } from '../config/schema.js';
import type { NodePki } from '../pki/material.js';
import { fileTask } from '../tasks/file.js';

/** What differs per machine: nodeup learns it from the machine, not from nodeup.yaml. */
export interface NodeIdentity {
  readonly instanceId: string;
  /** The address the machine's components advertise, and bind to unless `bindAddress` says otherwise. */
  readonly address: string;
  /**
   * Where what a load balancer reaches (the API server, its health port) listens. On a machine of
   * its own, every address: a cloud's load balancer may deliver to an address the machine holds
   * besides its primary one (GCE's network load balancer sends to the forwarding rule's address).
   * Unset: `address`, as where machines share one host (the local cloud) or the address was given.
   */
  readonly bindAddress?: string;
  /** The Kubernetes node name. */
  readonly nodeName: string;
}

export interface ModelInput {
  readonly config: NodeupConfig;
  readonly node: NodeIdentity;
  readonly pki: NodePki;
  /**
   * An APIServer machine's: the client URLs of the control plane's etcd members, by etcd cluster,
   * as they published them in the state store (nodeup/etcd/registry.ts), read before the model.
   */
  readonly etcdServers?: ReadonlyMap<string, readonly string[]>;
}

/** An endpoint that answers once a component is up, e.g. the kubelet's `/healthz`. */
export interface HealthCheck {
  readonly name: string;
  readonly url: string;
}

export interface NodeModel {
  readonly tasks: readonly Task[];
  readonly healthChecks: readonly HealthCheck[];
}

export const BIN_DIR = '/usr/local/bin';
export const PKI_DIR = '/etc/kubernetes/pki';
export const MANIFEST_DIR = '/etc/kubernetes/manifests';
export const KUBELET_DIR = '/var/lib/kubelet';
export const KUBE_PROXY_DIR = '/var/lib/kube-proxy';

export const caPath = (name: string): string => `${PKI_DIR}/${name}.crt`;

/** Task options with `dependsOn` once each and sorted, so that a plan reads the same every time. */
export function after(dependsOn: readonly TaskId[]): TaskOptions {
  return { dependsOn: [...new Set(dependsOn)].sort() };
}

export const file = (path: string, content: string, dependsOn: readonly TaskId[] = [], mode = '0644'): Task => fileTask(path, { content, mode }, after(dependsOn));

export function hashOf(...parts: readonly unknown[]): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}

/** `--name=value` flags in the order given, skipping unset values. */
export function flags(values: Readonly<Record<string, string | number | boolean | undefined>>): string[] {
  return Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => `--${k}=${String(v)}`);
}

export function mapFlag(m: Readonly<Record<string, string>> | undefined): string | undefined {
  if (m === undefined || Object.keys(m).length === 0) return undefined;
  return Object.keys(m).sort().map((k) => `${k}=${m[k]}`).join(',');
}
