/**
 * The kube-controller-manager stand-in of the local cloud: the controllers of controller.ts and
 * workload-controllers.ts,
 * started from the flags nodeup writes for the real kube-controller-manager (its kubeconfig,
 * the cluster signing certificate and key, the node monitor grace period), with the real one's
 * health endpoint (over plain HTTP, as the other stand-ins serve theirs).
 */

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { KeepAliveKubeConfig } from '../keepalive-kubeconfig.js';
import parseDuration from 'parse-duration';
import { parse, stringify } from 'yaml';
import { ControllerManager } from './controller.js';
import { WorkloadControllers } from './workload-controllers.js';
import { hostPath, identityHeaders, onStop, parseFlags, required } from './stand-in-flags.js';

const INTERVAL_MS = 5000;
/** The CSR approver and signer: a booting machine's kubelet waits for its certificate to register its Node. */
const CSR_INTERVAL_MS = 250;
/** The workload controllers and the scheduler step react within a second, as the real ones (which watch) do. */
const WORKLOAD_INTERVAL_MS = 1000;
const PATH_FIELDS = ['certificate-authority', 'client-certificate', 'client-key'];

/** The kubeconfig with the files it names mapped into the node's root. */
async function loadKubeconfig(path: string): Promise<KubeConfig> {
  const config = parse(await readFile(hostPath(path), 'utf8')) as Record<string, { cluster?: Record<string, string>; user?: Record<string, string> }[] | undefined>;
  for (const entry of [...(config.clusters ?? []), ...(config.users ?? [])]) {
    for (const body of [entry.cluster, entry.user]) {
      for (const field of PATH_FIELDS) if (body?.[field] !== undefined) body[field] = hostPath(body[field]);
    }
  }
  const kc = new KeepAliveKubeConfig();
  kc.loadFromString(stringify(config));
  return kc;
}

export async function runControllerManager(argv: readonly string[], log: (line: string) => void): Promise<void> {
  const flags = parseFlags(argv);
  const kubeconfig = await loadKubeconfig(required(flags, 'kubeconfig'));
  const manager = new ControllerManager({
    kubeconfig,
    ca: {
      certificate: await readFile(hostPath(required(flags, 'cluster-signing-cert-file')), 'utf8'),
      privateKey: await readFile(hostPath(required(flags, 'cluster-signing-key-file')), 'utf8'),
    },
    gracePeriodMs: parseDuration(flags['node-monitor-grace-period'] ?? '40s') ?? 40_000,
    events: (e) => log(`${e.level}: ${e.message}`),
  });
  const headers = identityHeaders();
  const health = createServer((req, res) => {
    if (req.method === 'GET' && ['/healthz', '/livez', '/readyz'].includes((req.url ?? '').split('?')[0] ?? '')) res.writeHead(200, { ...headers, 'Content-Type': 'text/plain' }).end('ok');
    else res.writeHead(404, headers).end();
  });
  const host = flags['bind-address'] ?? process.env.HOIST_INSTANCE_ADDRESS ?? '127.0.0.1';
  const address = host === '0.0.0.0' ? (process.env.HOIST_INSTANCE_ADDRESS ?? '127.0.0.1') : host;
  const port = Number(flags['secure-port'] ?? 10257);
  await new Promise<void>((resolve, reject) => {
    health.once('error', reject);
    health.listen(port, address, () => resolve());
  });
  log(`running the csrapproving, csrsigning, node lifecycle, daemonset and deployment controllers and a scheduler step; /healthz on http://${address}:${port}`);
  const stop = manager.start(INTERVAL_MS, CSR_INTERVAL_MS);
  const stopWorkloads = new WorkloadControllers({ kubeconfig, events: (e) => log(`${e.level}: ${e.message}`) }).start(WORKLOAD_INTERVAL_MS);
  onStop(async () => {
    await stop();
    await stopWorkloads();
    await new Promise<void>((resolve) => health.close(() => resolve()));
  });
}
