/**
 * Test support for the local API server: a real etcd (/usr/bin/etcd) in a temporary folder on
 * free loopback ports, stopped by PID; a cluster CA and certificates made by hoist's PKI; the
 * server itself; kubeconfigs for kubectl and @kubernetes/client-node.
 */

import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApiServer } from '../../cloudup/local/apiserver/server.js';
import type { ApiServerOptions, RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { adminCertRequest, buildKubeconfig, createCA, issueCertificate, kubeletCertRequest } from '../../src/pki/index.js';
import type { CertificateAuthority, IssuedCertificate } from '../../src/pki/index.js';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Etcd {
  readonly endpoint: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** Files of a TLS etcd: its CA, its serving pair, and whose clients it trusts. */
export interface EtcdTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Starts etcd in `dir` (else a temporary folder, removed by `stop`) and resolves once it says it
 * serves clients; with `tls`, clients need a certificate of the CA.
 */
export async function startEtcd(dir?: string, tls?: EtcdTls): Promise<Etcd> {
  const dataDir = dir ?? (await mkdtemp(join(tmpdir(), 'hoist-etcd-')));
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${client}`;
  const tlsFlags = tls === undefined ? [] : ['--client-cert-auth=true', `--trusted-ca-file=${tls.caFile}`, `--cert-file=${tls.certFile}`, `--key-file=${tls.keyFile}`];
  const proc: ChildProcess = spawn(
    '/usr/bin/etcd',
    [
      '--name=test',
      `--data-dir=${join(dataDir, 'data')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=test=http://127.0.0.1:${peer}`,
      '--log-outputs=stderr',
      ...tlsFlags,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      await exited;
    }
    // A folder it made itself goes with it; a caller's folder is the caller's to remove.
    if (dir === undefined) await rm(dataDir, { recursive: true, force: true });
  };
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      proc.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString('utf8');
        if (log.includes('ready to serve client requests')) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`etcd exited (${String(code)}) before serving:\n${log}`)));
      proc.once('error', reject);
    });
  } catch (e) {
    await stop();
    throw e;
  }
  proc.stderr?.resume();
  return { endpoint, dir: dataDir, stop };
}

export interface Pki {
  readonly ca: CertificateAuthority;
  readonly server: IssuedCertificate;
  readonly admin: IssuedCertificate;
  node(name: string): Promise<IssuedCertificate>;
}

export async function makePki(): Promise<Pki> {
  const item = await createCA('kubernetes');
  const ca = { certificate: item.certificate ?? '', privateKey: item.privateKey ?? '' };
  const server = await issueCertificate(ca, { commonName: 'kubernetes-master', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server' });
  const admin = await issueCertificate(ca, adminCertRequest('admin'));
  return { ca, server, admin, node: (name) => issueCertificate(ca, kubeletCertRequest(name)) };
}

export async function startServer(etcd: Etcd, pki: Pki, extra: Partial<ApiServerOptions> = {}): Promise<RunningApiServer> {
  return startApiServer({
    tlsCert: pki.server.certificate,
    tlsKey: pki.server.privateKey,
    clientCA: pki.ca.certificate,
    etcd: { hosts: etcd.endpoint },
    host: '127.0.0.1',
    port: 0,
    anonymousAuth: false,
    version: '1.35.0',
    ...extra,
  });
}

/** Writes a kubeconfig for `user` (a certificate, a token, or none) and returns its path. */
export type TestUser = { certificate: string; privateKey: string } | { token: string } | { username: string; password: string };

/** Writes a kubeconfig for `user` and returns its path. */
export async function writeKubeconfig(dir: string, file: string, server: string, pki: Pki, user: TestUser): Promise<string> {
  const path = join(dir, file);
  const name = 'test';
  const base = 'username' in user ? { name } : { name, ...user };
  let text = buildKubeconfig({ name, server, caCertificate: pki.ca.certificate, user: base });
  if ('username' in user) text = text.replace(/user: \{\}/, `user:\n      username: ${user.username}\n      password: ${user.password}`);
  await writeFile(path, text);
  return path;
}

/** A GET with no credentials at all, trusting the cluster CA. */
export async function anonymousGet(server: string, path: string, ca: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${server}${path}`, { ca }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => void (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.once('error', reject);
    req.end();
  });
}

const exec = promisify(execFile);

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real kubectl, with its cache in `dir` (never the home folder). */
export async function kubectl(kubeconfig: string, dir: string, args: readonly string[], stdin?: string): Promise<KubectlResult> {
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir, KUBECACHEDIR: join(dir, 'kube-cache') };
  const full = ['--cache-dir', join(dir, 'kube-cache'), ...args];
  if (stdin === undefined) {
    try {
      const { stdout, stderr } = await exec('kubectl', full, { env, timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  }
  return new Promise((resolve, reject) => {
    const proc = spawn('kubectl', full, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => void (stdout += c.toString('utf8')));
    proc.stderr.on('data', (c: Buffer) => void (stderr += c.toString('utf8')));
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    proc.stdin.end(stdin);
  });
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
