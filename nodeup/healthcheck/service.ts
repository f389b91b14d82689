/**
 * How nodeup installs the API health port on a control-plane machine: a client certificate
 * issued here from the cluster CA (CN kube-apiserver-healthcheck, which RBAC lets read only the
 * health paths: ../model/bootstrap-rbac.ts), the service's configuration
 * (`/etc/hoist/apiserver-healthcheck.json`) and the unit `kube-apiserver-healthcheck.service`.
 * Like the addon applier (../addons/service.ts) it runs the nodeup bundle the boot script
 * installed, from `/`, so that on a local cloud instance it reads the instance's files.
 *
 * It listens where the API server does (its --bind-address: every address on a machine of its
 * own, see NodeIdentity.bindAddress), so that local cloud instances, which share one host, each
 * have their own port 3990 while a cloud's load balancer reaches it at any address it delivers to.
 */

import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { apiServerHealthcheckCertRequest } from '../../src/pki/requests.js';
import { caFile, issued } from '../model/pki.js';
import type { ModelInput } from '../model/types.js';
import { PKI_DIR, after, caPath, file, hashOf } from '../model/types.js';
import { bundleServiceUnit } from '../services/bundle-unit.js';
import { serviceTask } from '../tasks/service.js';
import { API_HEALTH_CHECK_PORT } from './port.js';

export const HEALTHCHECK_SERVICE_CONF = '/etc/hoist/apiserver-healthcheck.json';
export const HEALTHCHECK_SERVICE_UNIT = 'kube-apiserver-healthcheck.service';

/** The service's configuration file; paths are the machine's. */
export interface HealthcheckServiceConfig {
  readonly host: string;
  readonly port: number;
  /** The local API server, `https://<address>:<port>`. */
  readonly upstream: string;
  readonly ca: string;
  readonly certificate: string;
  readonly key: string;
}

export function healthcheckServiceUnit(conf: string): string {
  return bundleServiceUnit({ description: "the API server's health over plain HTTP (GET /readyz, /livez, /healthz)", command: 'apiserver-healthcheck', conf });
}

/** On a machine that runs the API server (control plane, APIServer): the certificate, the configuration and the unit. */
export function healthcheckServiceTasks(input: ModelInput, apiServer: string): Task[] {
  if (input.config.role !== 'ControlPlane' && input.config.role !== 'APIServer') return [];
  const cert = issued(input, 'kube-apiserver-healthcheck', 'kubernetes-ca', apiServerHealthcheckCertRequest(), {
    certificate: `${PKI_DIR}/kube-apiserver-healthcheck.crt`,
    key: `${PKI_DIR}/kube-apiserver-healthcheck.key`,
  });
  const config: HealthcheckServiceConfig = {
    host: input.node.bindAddress ?? input.node.address,
    port: API_HEALTH_CHECK_PORT,
    upstream: apiServer,
    ca: caPath('kubernetes-ca'),
    certificate: cert.desired.certificate,
    key: cert.desired.key,
  };
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const conf = file(HEALTHCHECK_SERVICE_CONF, text);
  // The proxy reads the certificate for each probe: only a new configuration restarts it.
  const service = serviceTask(
    HEALTHCHECK_SERVICE_UNIT,
    { unit: healthcheckServiceUnit(HEALTHCHECK_SERVICE_CONF), enabled: true, running: true, restartOn: hashOf(text) },
    after([idOf(conf), idOf(cert), caFile('kubernetes-ca')]),
  );
  return [cert, conf, service];
}
