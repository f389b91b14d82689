/**
 * BootstrapKubeconfig: the kubelet's `--bootstrap-kubeconfig` on a worker, which authenticates
 * with its group's bootstrap token (kubeadm's bootstrap-kubelet.conf). The token is written
 * inline, as client-go reads it, from the credential nodeup read; a plan shows only the token's
 * fingerprint, and discovery compares that.
 */

import { createHash } from 'node:crypto';
import { parse, stringify } from 'yaml';
import type { LiveObject, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { NodeContext } from '../context.js';
import { hostPath, tasksOf } from '../context.js';
import { readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

/** The kubeconfig's path is the task's name. */
export interface BootstrapKubeconfigFields {
  readonly server: string;
  /** The cluster's and the context's name. */
  readonly cluster: string;
  readonly user: string;
  readonly certificateAuthority: string;
  /** The token credential: `credential/<name>`. */
  readonly tokenOf: string;
  /** sha256 of the token, as the credential's fingerprint. */
  readonly fingerprint: string;
}

export const bootstrapKubeconfigTask = taskConstructor<BootstrapKubeconfigFields>('BootstrapKubeconfig');

export function bootstrapKubeconfigText(f: BootstrapKubeconfigFields, token: string): string {
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: f.cluster, cluster: { 'certificate-authority': f.certificateAuthority, server: f.server } }],
      contexts: [{ name: f.cluster, context: { cluster: f.cluster, user: f.user } }],
      'current-context': f.cluster,
      users: [{ name: f.user, user: { token } }],
    },
    { lineWidth: 0 },
  );
}

interface Parsed {
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
}

function liveFields(text: string, tokenOf: string): BootstrapKubeconfigFields | undefined {
  try {
    const doc = parse(text) as Parsed;
    const cluster = doc.clusters?.[0];
    const user = doc.users?.[0];
    const token = String(user?.user?.token ?? '');
    return {
      server: String(cluster?.cluster?.server ?? ''),
      cluster: String(cluster?.name ?? ''),
      user: String(user?.name ?? ''),
      certificateAuthority: String(cluster?.cluster?.['certificate-authority'] ?? ''),
      tokenOf,
      fingerprint: `sha256:${createHash('sha256').update(token).digest('hex')}`,
    };
  } catch {
    return undefined;
  }
}

export const BootstrapKubeconfigKind: TaskKind<NodeContext> = {
  kind: 'BootstrapKubeconfig',
  uses: ['File'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'BootstrapKubeconfig').map(async (t): Promise<LiveObject | undefined> => {
        const text = await readText(hostPath(ctx.root, t.name));
        const fields = text === undefined ? undefined : liveFields(text, String(t.desired.tokenOf));
        return fields === undefined ? undefined : { id: t.name, name: t.name, fields: { ...fields }, outputs: { id: t.name } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    const f = fieldsOf<BootstrapKubeconfigFields>(desired);
    await writeAtomic(hostPath(ctx.root, task.name), bootstrapKubeconfigText(f, ctx.pki.token(f.tokenOf).token), '0600');
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  update(ctx, task, _live, desired) {
    return BootstrapKubeconfigKind.create(ctx, task, desired);
  },
  async delete() {
    // Never: see File.
  },
};
