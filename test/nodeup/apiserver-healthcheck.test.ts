/**
 * The API health port (nodeup/healthcheck): started from its configuration under a machine root,
 * in front of a real TLS server that, like kube-apiserver, asks for a client certificate signed by
 * the cluster CA. It forwards only GET /readyz, /livez and /healthz (the upstream sees the
 * certificate's CN), answers anything else with 404 without asking the upstream, and 503 once the
 * upstream is gone.
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_HEALTH_CHECK_PORT as GCE_HEALTH_CHECK_PORT } from '../../cloudup/gce/model/api.js';
import { HoistError } from '../../src/errors.js';
import { createCA } from '../../src/pki/ca.js';
import { issueCertificate } from '../../src/pki/issue.js';
import { apiServerHealthcheckCertRequest } from '../../src/pki/requests.js';
import { bootstrapObjects, HEALTHCHECK_ROLE } from '../../nodeup/model/bootstrap-rbac.js';
import { API_HEALTH_CHECK_PORT } from '../../nodeup/healthcheck/port.js';
import type { HealthProxy } from '../../nodeup/healthcheck/proxy.js';
import { readHealthcheckConfig, startHealthcheckService } from '../../nodeup/healthcheck/service-run.js';
import { healthcheckServiceUnit, type HealthcheckServiceConfig } from '../../nodeup/healthcheck/service.js';

let root: string;
let upstream: Server;
let proxy: HealthProxy | undefined;
/** What the upstream was asked: `<CN> <method> <path>`. */
const seen: string[] = [];

const get = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`http://127.0.0.1:${proxy?.port}${path}`, init);
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hoist-healthcheck-'));
  const ca = await createCA('kubernetes-ca');
  const authority = { certificate: ca.certificate ?? '', privateKey: ca.privateKey ?? '' };
  const server = await issueCertificate(authority, { commonName: 'kubernetes-master', ipAddresses: ['127.0.0.1'], usage: 'server' });
  const client = await issueCertificate(authority, apiServerHealthcheckCertRequest());
  upstream = createServer({ cert: server.certificate, key: server.privateKey, ca: authority.certificate, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const cn = (req.socket as TLSSocket).getPeerCertificate().subject.CN;
    seen.push(`${cn} ${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok: ${cn} ${req.url}`);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));

  const pki = join(root, 'etc/kubernetes/pki');
  await mkdir(pki, { recursive: true });
  await writeFile(join(pki, 'kubernetes-ca.crt'), authority.certificate);
  await writeFile(join(pki, 'kube-apiserver-healthcheck.crt'), client.certificate);
  await writeFile(join(pki, 'kube-apiserver-healthcheck.key'), client.privateKey);
  const config: HealthcheckServiceConfig = {
    host: '127.0.0.1',
    port: 0,
    upstream: `https://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    ca: '/etc/kubernetes/pki/kubernetes-ca.crt',
    certificate: '/etc/kubernetes/pki/kube-apiserver-healthcheck.crt',
    key: '/etc/kubernetes/pki/kube-apiserver-healthcheck.key',
  };
  await mkdir(join(root, 'etc/hoist'), { recursive: true });
  await writeFile(join(root, 'etc/hoist/apiserver-healthcheck.json'), JSON.stringify(config));
  proxy = await startHealthcheckService(await readHealthcheckConfig(join(root, 'etc/hoist/apiserver-healthcheck.json')), root, () => undefined);
});

afterAll(async () => {
  await proxy?.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

describe('the API health port', () => {
  it('forwards /readyz, /livez and /healthz to the API server with its client certificate', async () => {
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ok: kube-apiserver-healthcheck /readyz' });
    expect(await get('/livez?verbose')).toEqual({ status: 200, body: 'ok: kube-apiserver-healthcheck /livez?verbose' });
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok: kube-apiserver-healthcheck /healthz' });
    expect(seen).toEqual(['kube-apiserver-healthcheck GET /readyz', 'kube-apiserver-healthcheck GET /livez?verbose', 'kube-apiserver-healthcheck GET /healthz']);
  });

  it('answers anything else with 404 and never asks the API server', async () => {
    const before = seen.length;
    for (const path of ['/metrics', '/', '/api/v1/secrets', '/readyz/../metrics', '/readyzz']) expect((await get(path)).status, path).toBe(404);
    expect((await get('/readyz', { method: 'POST' })).status).toBe(404);
    expect(seen.length).toBe(before);
  });

  it('answers 503 once the API server is gone', async () => {
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toMatch(/^the API server at https:\/\/127\.0\.0\.1:\d+ does not answer: .*ECONNREFUSED/);
  });
});

describe('its configuration, unit and RBAC', () => {
  it('refuses a configuration whose port is not a port, naming the field, the value and an example', async () => {
    const bad = join(root, 'bad.json');
    await writeFile(bad, JSON.stringify({ host: '127.0.0.1', port: '3990', upstream: 'https://127.0.0.1:6443', ca: '/a', certificate: '/b', key: '/c' }));
    const err = await readHealthcheckConfig(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HoistError);
    expect((err as HoistError).message).toBe(`--conf ${bad}: port is "3990", not a TCP port (e.g. 3990)`);
  });

  it('is one port for nodeup and the GCE health check, run from the nodeup bundle', () => {
    expect(GCE_HEALTH_CHECK_PORT).toBe(API_HEALTH_CHECK_PORT);
    expect(healthcheckServiceUnit('/etc/hoist/apiserver-healthcheck.json')).toContain(
      'ExecStart=/opt/hoist/node/bin/node opt/hoist/nodeup/nodeup.mjs apiserver-healthcheck --conf etc/hoist/apiserver-healthcheck.json\n',
    );
  });

  it('lets the certificate get the three health paths and nothing else', () => {
    const objects = new Map(bootstrapObjects('abcdef'));
    expect(objects.get(`ClusterRole/${HEALTHCHECK_ROLE}`)).toMatchObject({ rules: [{ nonResourceURLs: ['/readyz', '/livez', '/healthz'], verbs: ['get'] }] });
    expect(objects.get(`ClusterRoleBinding/${HEALTHCHECK_ROLE}`)).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: HEALTHCHECK_ROLE },
      subjects: [{ kind: 'User', name: apiServerHealthcheckCertRequest().commonName }],
    });
  });
});
