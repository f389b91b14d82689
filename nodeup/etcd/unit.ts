/**
 * The systemd unit of one etcd member. Its paths are relative to `/` (WorkingDirectory=/): on a
 * real host that is the same file, and on a local cloud instance the supervisor starts the
 * program in the instance's root, so the member reads its certificates and keeps its data
 * inside that root and on the volume attached there, never in the host's own /etc or /var.
 */

import { flags } from '../model/types.js';

export interface EtcdLaunch {
  readonly etcdCluster: string;
  readonly cluster: string;
  readonly member: string;
  readonly binary: string;
  readonly dataDir: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
  /** `name=peerURL,…`: read by etcd only when its data dir holds no member yet. */
  readonly initialCluster: string;
  readonly initialState: 'new' | 'existing';
  readonly files: EtcdFiles;
}

/** Node paths (absolute) of what the member reads. */
export interface EtcdFiles {
  readonly clientCa: string;
  readonly peerCa: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly peerCert: string;
  readonly peerKey: string;
}

const rel = (p: string) => p.replace(/^\/+/, '');

export function etcdFlags(l: EtcdLaunch): string[] {
  return flags({
    name: l.member,
    'data-dir': rel(l.dataDir),
    'listen-client-urls': l.clientUrl,
    'advertise-client-urls': l.clientUrl,
    'listen-peer-urls': l.peerUrl,
    'initial-advertise-peer-urls': l.peerUrl,
    'initial-cluster': l.initialCluster,
    'initial-cluster-state': l.initialState,
    'initial-cluster-token': `etcd-${l.etcdCluster}.${l.cluster}`,
    'client-cert-auth': true,
    'trusted-ca-file': rel(l.files.clientCa),
    'cert-file': rel(l.files.serverCert),
    'key-file': rel(l.files.serverKey),
    'peer-client-cert-auth': true,
    'peer-trusted-ca-file': rel(l.files.peerCa),
    'peer-cert-file': rel(l.files.peerCert),
    'peer-key-file': rel(l.files.peerKey),
    logger: 'zap',
    'log-outputs': 'stderr',
  });
}

export const etcdUnitName = (etcdCluster: string): string => `etcd-${etcdCluster}.service`;

export function etcdUnit(l: EtcdLaunch): string {
  return [
    '[Unit]',
    `Description=etcd ${l.etcdCluster}: member ${l.member} of ${l.cluster} (managed by hoist nodeup)`,
    'After=network-online.target',
    '',
    '[Service]',
    'WorkingDirectory=/',
    `ExecStart=${l.binary} ${etcdFlags(l).join(' ')}`,
    'Restart=always',
    'RestartSec=2',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
