/**
 * A real etcd member started straight from the host's binary, with TLS from CAs made for the
 * test, in a temporary folder: for the backup and restore library, without a cloud around it.
 * The process is stopped by its PID (also when a test fails) and its folder removed.
 */

import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import { memberStatus } from '../../nodeup/etcd/client.js';
import { createCA, etcdClientCertRequest, etcdPeerCertRequest, etcdServerCertRequest, issueCertificate } from '../../src/pki/index.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
    s.on('error', reject);
  });
}

export interface Pki {
  readonly dir: string;
  readonly creds: EtcdCredentials;
}

/** CAs and the member's certificates for 127.0.0.1, written under `dir`. */
export async function etcdPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const [clients, peers] = await Promise.all([createCA('etcd-clients-ca'), createCA('etcd-peers-ca')]);
  const ca = (i: typeof clients) => ({ certificate: i.certificate ?? '', privateKey: i.privateKey ?? '' });
  const server = await issueCertificate(ca(clients), etcdServerCertRequest('a', ['127.0.0.1']));
  const peer = await issueCertificate(ca(peers), etcdPeerCertRequest('a', ['127.0.0.1']));
  const client = await issueCertificate(ca(clients), etcdClientCertRequest('test'));
  const files: Record<string, string> = {
    'clients-ca.crt': clients.certificate ?? '',
    'peers-ca.crt': peers.certificate ?? '',
    'server.crt': server.certificate,
    'server.key': server.privateKey,
    'peer.crt': peer.certificate,
    'peer.key': peer.privateKey,
  };
  await Promise.all(Object.entries(files).map(([f, text]) => writeFile(join(dir, f), text, { mode: 0o600 })));
  return { dir, creds: { ca: clients.certificate ?? '', certificate: client.certificate, key: client.privateKey } };
}

export interface Member {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export interface MemberSpec {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly initialCluster: string;
  readonly token: string;
}

/** Starts the member; resolves once it serves with a leader (or throws with its log's tail). */
export async function startMember(pki: Pki, m: MemberSpec, waitLeader = true): Promise<Member> {
  const clientUrl = `https://127.0.0.1:${m.clientPort}`;
  const peerUrl = `https://127.0.0.1:${m.peerPort}`;
  const f = (n: string) => join(pki.dir, n);
  const child = spawn('etcd', [
    `--name=${m.name}`, `--data-dir=${m.dataDir}`,
    `--listen-client-urls=${clientUrl}`, `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${m.initialCluster}`, '--initial-cluster-state=new', `--initial-cluster-token=${m.token}`,
    '--client-cert-auth', `--trusted-ca-file=${f('clients-ca.crt')}`, `--cert-file=${f('server.crt')}`, `--key-file=${f('server.key')}`,
    '--peer-client-cert-auth', `--peer-trusted-ca-file=${f('peers-ca.crt')}`, `--peer-cert-file=${f('peer.crt')}`, `--peer-key-file=${f('peer.key')}`,
    '--logger=zap', '--log-outputs=stderr',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    await exited;
  };
  const member = { name: m.name, clientUrl, peerUrl, dataDir: m.dataDir, process: child, stop };
  if (!waitLeader) return member;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const s = await memberStatus(clientUrl, pki.creds);
    if (s.error === undefined && s.leader !== undefined && s.leader !== '0') return member;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`etcd ${m.name} did not serve at ${clientUrl}: ${s.error ?? 'no leader'}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const INSTALL_ETCDCTL = 'apt-get update && apt-get install -y etcd-client';

/** The host's etcdctl (a restore runs `etcdctl snapshot restore`); throws with the install command when there is none. */
export function hostEtcdctl(): string {
  try {
    execFileSync('etcdctl', ['version'], { encoding: 'utf8' });
  } catch {
    throw new Error(`restoring a backup runs etcdctl, and none is installed: ${INSTALL_ETCDCTL}`);
  }
  return 'etcdctl';
}
