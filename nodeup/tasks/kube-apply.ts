/**
 * KubeApply: a Kubernetes object the control plane's nodeup puts into the cluster through the
 * API, with server-side apply under its own field manager, as the admin credential the control
 * plane has (a kubeconfig on the machine). The API server comes up only once the kubelet runs
 * its static pod, so applying waits (retrying with backoff) until the API answers.
 *
 * A Secret whose value must not show in a plan names it instead: `bootstrapTokenOf: <cluster>`
 * adds the cluster's bootstrap token (derived from the kubernetes-ca key this machine reads)
 * at apply time. What was applied is recorded by hash on the machine, and that record is what
 * discovery compares: planning never needs the API. Under `nodeup --root` (a recorded service
 * manager, which runs nothing) the object is recorded and not applied.
 */

import { readFile } from 'node:fs/promises';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import type { LiveObject, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { Fields } from '../../src/engine/task.js';
import { HoistError } from '../../src/errors.js';
import type { NodeContext } from '../context.js';
import { STATE_DIR, hostPath, tasksOf } from '../context.js';
import { bootstrapToken } from '../pki/credential.js';
import { readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

/** The task's name is `<kind>/<namespace>/<name>` (or `<kind>/<name>` for a cluster-wide object). */
export interface KubeApplyFields {
  /** The kubeconfig to apply with, a path on the machine. */
  readonly kubeconfig: string;
  readonly fieldManager: string;
  /** The object, apiVersion, kind and metadata included. */
  readonly manifest: Fields;
  /** Add the cluster's bootstrap token to this Secret (`token-id`, `token-secret`) at apply time. */
  readonly bootstrapTokenOf?: string;
  /** sha256 of everything above and of the CA the token comes from: what discovery compares. */
  readonly hash: string;
}

export const kubeApplyTask = taskConstructor<KubeApplyFields>('KubeApply');

const RECORD_DIR = `${STATE_DIR}/kube-apply`;
const recordPath = (name: string): string => `${RECORD_DIR}/${name.replace(/[^A-Za-z0-9._-]/g, '_')}.hash`;

// Loaded when an object is applied: `update cluster` builds these tasks (the addons' RBAC) without
// applying one, and loading the client (15 MB of source) cost every plan about 250 ms of start-up.
const kubeClient = () => import('@kubernetes/client-node');

/** How long create waits for the API server (nodeup's step deadline is 10 minutes). */
export const API_WAIT_MS = 8 * 60_000;

/** The kubeconfig with the files it names mapped into the machine's root. */
export async function loadKubeconfig(root: string, path: string): Promise<KubeConfig> {
  const doc = parse(await readFile(hostPath(root, path), 'utf8')) as Record<string, { cluster?: Record<string, string>; user?: Record<string, string> }[] | undefined>;
  for (const entry of [...(doc.clusters ?? []), ...(doc.users ?? [])]) {
    for (const body of [entry.cluster, entry.user]) {
      for (const f of ['certificate-authority', 'client-certificate', 'client-key']) if (body?.[f] !== undefined) body[f] = hostPath(root, body[f]);
    }
  }
  const kc = new (await kubeClient()).KubeConfig();
  kc.loadFromString(stringify(doc));
  return kc;
}

function withToken(ctx: NodeContext, f: KubeApplyFields): KubernetesObject {
  const manifest = structuredClone(f.manifest) as unknown as KubernetesObject & { data?: Record<string, string> };
  if (f.bootstrapTokenOf === undefined) return manifest;
  const token = bootstrapToken(f.bootstrapTokenOf, ctx.pki.keypair('keyset/kubernetes-ca').privateKey);
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return { ...manifest, data: { ...manifest.data, 'token-id': b64(token.id), 'token-secret': b64(token.secret) } } as KubernetesObject;
}

/** Whether an error means the API server is not answering yet (as opposed to refusing the object). */
function notUpYet(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'number') return code >= 500 || code === 429;
  return true; // connection refused, reset, TLS not ready: no HTTP answer at all
}

export async function applyObject(kc: KubeConfig, object: KubernetesObject, fieldManager: string, waitMs = API_WAIT_MS): Promise<void> {
  const { KubernetesObjectApi, PatchStrategy } = await kubeClient();
  const api = KubernetesObjectApi.makeApiClient(kc);
  const deadline = Date.now() + waitMs;
  // Capped at 1 s: the API server usually comes up a few seconds after nodeup starts it, and a
  // longer pause only kept a ready control plane waiting (a refused connection costs nothing).
  for (let delay = 250; ; delay = Math.min(delay * 2, 1000)) {
    try {
      await api.patch(object, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
      return;
    } catch (e) {
      const what = `${object.kind ?? '?'} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name ?? '?'}`;
      const message = e instanceof Error ? e.message : String(e);
      if (!notUpYet(e)) throw new HoistError('CLOUD', `the API server refused ${what}: ${message}`, { cause: e });
      if (Date.now() >= deadline) throw new HoistError('CLOUD', `the API server did not answer within ${Math.round(waitMs / 1000)} s to apply ${what}: ${message}`, { cause: e, hint: 'see the kube-apiserver static pod\'s log under /var/log/pods' });
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
    }
  }
}

export const KubeApplyKind: TaskKind<NodeContext> = {
  kind: 'KubeApply',
  uses: ['Kubeconfig', 'Service'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'KubeApply').map(async (t): Promise<LiveObject | undefined> => {
        const hash = await readText(hostPath(ctx.root, recordPath(t.name)));
        // Only the hash is recorded: the other fields read as desired, so a changed object shows as a hash change.
        return hash === undefined ? undefined : { id: t.name, name: t.name, fields: { ...t.desired, hash: hash.trim() } as never, outputs: { id: t.name } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    const f = fieldsOf<KubeApplyFields>(desired);
    // A recorded service manager (nodeup --root) runs no API server: the object is only recorded.
    if (ctx.services.kind !== 'recorded') {
      const kc = await loadKubeconfig(ctx.root, f.kubeconfig);
      await applyObject(kc, withToken(ctx, f), f.fieldManager);
      ctx.events({ level: 'info', code: 'nodeup.kube-applied', message: `applied ${task.name} to the cluster` });
    }
    await writeAtomic(hostPath(ctx.root, recordPath(task.name)), `${f.hash}\n`, '0644');
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  update(ctx, task, _live, desired) {
    return KubeApplyKind.create(ctx, task, desired);
  },
  async delete() {
    // Never: an object nodeup applied stays in the cluster (the cluster's etcd outlives any one machine).
  },
};
