/**
 * Kubeconfig: a component's kubeconfig. It names the CA, client certificate and key by their
 * paths on the machine instead of embedding them, so that renewing a certificate never
 * rewrites the kubeconfig, and the file holds no key material.
 */

import { parse, stringify } from 'yaml';
import type { LiveObject, ResolvedFields, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { NodeContext } from '../context.js';
import { hostPath, tasksOf } from '../context.js';
import { readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

/** The kubeconfig's path is the task's name; the other files are named by path. */
export interface KubeconfigFields {
  readonly server: string;
  /** The cluster's and the context's name. */
  readonly cluster: string;
  readonly user: string;
  readonly certificateAuthority: string;
  readonly clientCertificate: string;
  readonly clientKey: string;
}

export const kubeconfigTask = taskConstructor<KubeconfigFields>('Kubeconfig');

export function kubeconfigText(f: KubeconfigFields): string {
  const name = f.cluster;
  const user = f.user;
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { 'certificate-authority': f.certificateAuthority, server: f.server } }],
      contexts: [{ name, context: { cluster: name, user } }],
      'current-context': name,
      users: [{ name: user, user: { 'client-certificate': f.clientCertificate, 'client-key': f.clientKey } }],
    },
    { lineWidth: 0 },
  );
}

interface Parsed {
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
}

function kubeconfigFields(text: string): ResolvedFields | undefined {
  try {
    const doc = parse(text) as Parsed;
    const cluster = doc.clusters?.[0];
    const user = doc.users?.[0];
    return {
      server: String(cluster?.cluster?.server ?? ''),
      cluster: String(cluster?.name ?? ''),
      user: String(user?.name ?? ''),
      certificateAuthority: String(cluster?.cluster?.['certificate-authority'] ?? ''),
      clientCertificate: String(user?.user?.['client-certificate'] ?? ''),
      clientKey: String(user?.user?.['client-key'] ?? ''),
    };
  } catch {
    return undefined;
  }
}

export const KubeconfigKind: TaskKind<NodeContext> = {
  kind: 'Kubeconfig',
  uses: ['Certificate', 'File'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'Kubeconfig').map(async (t): Promise<LiveObject | undefined> => {
        const text = await readText(hostPath(ctx.root, t.name));
        const fields = text === undefined ? undefined : kubeconfigFields(text);
        return fields === undefined ? undefined : { id: t.name, name: t.name, fields, outputs: { id: t.name } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    await writeAtomic(hostPath(ctx.root, task.name), kubeconfigText(fieldsOf<KubeconfigFields>(desired)), '0600');
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  update(ctx, task, _live, desired) {
    return KubeconfigKind.create(ctx, task, desired);
  },
  async delete() {
    // Never: see File.
  },
};
