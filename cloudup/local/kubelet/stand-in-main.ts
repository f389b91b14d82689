/**
 * The API client half of the local cloud's kubelet stand-in, bundled as dist/kubelet-stand-in.cjs
 * (`npm run build`) and started by the stand-in program (../stand-ins/programs.ts), which keeps
 * running the static pods itself. From the flags nodeup writes for the real kubelet: its
 * kubeconfig when it has one (the control plane's, a certificate issued by nodeup), else the TLS
 * bootstrap from --bootstrap-kubeconfig, which writes the kubeconfig and the certificate
 * (`/var/lib/kubelet/pki/kubelet-client-current.pem`) as the real kubelet does; then the Node,
 * its Lease and the mirror pods. The API server may not answer yet (on the control plane this
 * kubelet starts it): every step is retried.
 */

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KeepAliveKubeConfig } from '../keepalive-kubeconfig.js';
import type { V1Taint } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { hostPath } from '../apiserver/stand-in-flags.js';
import type { StaticPod } from './mirror-pods.js';
import { NodeAgent } from './node-agent.js';
import { requestClientCertificate } from './tls-bootstrap.js';

export interface KubeletClientOptions {
  readonly flags: Readonly<Record<string, string>>;
  readonly version: string;
  /** The instance's address, when --node-ip is not given. */
  readonly address: string;
  readonly log: (line: string) => void;
  readonly staticPods: () => readonly StaticPod[];
}

const CERT_DIR = '/var/lib/kubelet/pki';
const CURRENT = `${CERT_DIR}/kubelet-client-current.pem`;
const PATH_FIELDS = ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile'];

type KubeconfigDoc = Record<string, { name?: string; cluster?: Record<string, string>; user?: Record<string, string> }[] | string | undefined>;

async function readDoc(path: string): Promise<KubeconfigDoc | undefined> {
  try {
    return parse(await readFile(hostPath(path), 'utf8')) as KubeconfigDoc;
  } catch {
    return undefined;
  }
}

/** The kubeconfig with the files it names mapped into the node's root. */
function load(doc: KubeconfigDoc): KubeConfig {
  const copy = structuredClone(doc);
  for (const entry of [...((copy.clusters as []) ?? []), ...((copy.users as []) ?? [])] as { cluster?: Record<string, string>; user?: Record<string, string> }[]) {
    for (const body of [entry.cluster, entry.user]) for (const f of PATH_FIELDS) if (body?.[f] !== undefined) body[f] = hostPath(body[f]);
  }
  const kc = new KeepAliveKubeConfig();
  kc.loadFromString(stringify(copy));
  return kc;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(hostPath(path)), { recursive: true });
  const partial = `${hostPath(path)}.partial-${process.pid}`;
  await writeFile(partial, text, { mode: 0o600 });
  await rename(partial, hostPath(path));
}

/** The TLS bootstrap, then the kubeconfig naming the certificate it gave, as the real kubelet writes it. */
async function bootstrap(o: KubeletClientOptions, nodeName: string, kubeconfigPath: string): Promise<KubeConfig> {
  const bootPath = o.flags['bootstrap-kubeconfig'];
  const boot = bootPath === undefined ? undefined : await readDoc(bootPath);
  if (boot === undefined) throw new Error(`no kubeconfig at ${kubeconfigPath} and no bootstrap kubeconfig${bootPath === undefined ? '' : ` at ${bootPath}`}`);
  const issued = await requestClientCertificate({ bootstrap: load(boot), nodeName, events: (e) => o.log(e.message) });
  await writeAtomic(CURRENT, `${issued.certificate.trimEnd()}\n${issued.privateKey.trimEnd()}\n`);
  const cluster = (boot.clusters as { name?: string; cluster?: Record<string, string> }[] | undefined)?.[0];
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster?.name ?? 'default-cluster', cluster: cluster?.cluster ?? {} }],
    contexts: [{ name: 'default-context', context: { cluster: cluster?.name ?? 'default-cluster', user: 'default-auth', namespace: 'default' } }],
    'current-context': 'default-context',
    users: [{ name: 'default-auth', user: { 'client-certificate': CURRENT, 'client-key': CURRENT } }],
  };
  await writeAtomic(kubeconfigPath, stringify(doc));
  o.log(`TLS bootstrap done: ${issued.csr} signed; wrote ${kubeconfigPath}`);
  return load(doc as KubeconfigDoc);
}

function labelsOf(text: string | undefined): Record<string, string> {
  if (text === undefined || text === '') return {};
  return Object.fromEntries(text.split(',').map((kv) => kv.split('=') as [string, string?]).map(([k, v]) => [k.trim(), (v ?? '').trim()]));
}

async function taintsOf(configPath: string | undefined): Promise<V1Taint[]> {
  if (configPath === undefined) return [];
  try {
    const config = parse(await readFile(hostPath(configPath), 'utf8')) as { registerWithTaints?: V1Taint[] } | null;
    return config?.registerWithTaints ?? [];
  } catch {
    return [];
  }
}

/** Starts the client in the background; the returned function stops it. */
export function startKubeletClient(o: KubeletClientOptions): () => void {
  const nodeName = o.flags['hostname-override'] ?? process.env.HOIST_INSTANCE_ID ?? 'localhost';
  const kubeconfigPath = o.flags.kubeconfig ?? '/var/lib/kubelet/kubeconfig';
  let stopAgent: (() => Promise<void>) | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = async (delay: number): Promise<void> => {
    if (stopped) return;
    try {
      const existing = await readDoc(kubeconfigPath);
      const kubeconfig = existing !== undefined ? load(existing) : await bootstrap(o, nodeName, kubeconfigPath);
      if (stopped) return;
      const agent = new NodeAgent({
        kubeconfig,
        nodeName,
        address: o.flags['node-ip'] ?? o.address,
        version: o.version,
        labels: labelsOf(o.flags['node-labels']),
        taints: await taintsOf(o.flags.config),
        staticPods: o.staticPods,
        events: (e) => o.log(e.message),
      });
      stopAgent = agent.start();
    } catch (e) {
      o.log(`cannot reach the API yet (${e instanceof Error ? e.message : String(e)}); retrying in ${Math.round(delay / 1000)} s`);
      timer = setTimeout(() => void attempt(Math.min(delay * 2, 30_000)), delay);
    }
  };
  void attempt(1000);
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    void stopAgent?.();
  };
}
