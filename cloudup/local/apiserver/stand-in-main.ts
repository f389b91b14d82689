/**
 * One bundle for the two control-plane stand-ins that need libraries (etcd3,
 * @kubernetes/client-node): the local mirror puts it into the kubernetes-server archive as
 * `kube-apiserver` and `kube-controller-manager`, each preceded by a line that names the
 * component and the Kubernetes version (`globalThis.HOIST_STAND_IN = {...}`).
 */

import { runApiServer } from './apiserver-main.js';
import { runControllerManager } from './controller-main.js';

interface StandIn {
  readonly component: string;
  readonly version: string;
}

const standIn = (globalThis as { HOIST_STAND_IN?: StandIn }).HOIST_STAND_IN ?? { component: 'kube-apiserver', version: '0.0.0' };
const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} ${standIn.component}: ${line}\n`);
const argv = process.argv.slice(2);

if (argv.includes('--version')) {
  process.stdout.write(`${standIn.component} v${standIn.version} (hoist stand-in, not the real program)\n`);
} else {
  const run = standIn.component === 'kube-controller-manager' ? runControllerManager(argv, log) : runApiServer(argv, standIn.version, log);
  run.catch((e: unknown) => {
    log(`failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
