/**
 * etcd: one member per etcd cluster (main, events) whose members include this group, run by the
 * machine's service manager from the release archive, with TLS for peers and clients from the
 * cluster's etcd CAs. Its data lives on the member's volume at `/mnt/etcd-<cluster>`: the local
 * cloud's daemon attaches it there, and on AWS and GCE the member task claims and mounts it first
 * (nodeup/etcd/volume.ts); how the member joins or rejoins its cluster is decided at apply time
 * (nodeup/etcd/join.ts), from the addresses members publish in the state store.
 */

import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { etcdClientCertRequest, etcdPeerCertRequest, etcdServerCertRequest } from '../../src/pki/requests.js';
import type { NodeupEtcd } from '../config/schema.js';
import type { BackupServiceMember } from '../etcd/backup-service.js';
import { backupServiceTasks } from '../etcd/backup-service-unit.js';
import { etcdMemberTask } from '../etcd/member-kind.js';
import { archiveOf } from './assets.js';
import { caFile, issued } from './pki.js';
import type { HealthCheck, ModelInput } from './types.js';
import { BIN_DIR, PKI_DIR, after, caPath, hashOf } from './types.js';

/** Where a member's volume for etcd cluster `name` is attached (local cloud) or mounted (AWS, GCE). */
export const etcdVolumeDir = (name: string): string => `/mnt/etcd-${name}`;

function etcdMember(input: ModelInput, e: NodeupEtcd): { tasks: Task[]; member: BackupServiceMember; task: Task } {
  const { config, node } = input;
  const dir = `${PKI_DIR}/etcd/${e.name}`;
  const names = [node.address];
  // On a loopback address (the local cloud) a peer's connections come from 127.0.0.1, and etcd
  // checks the client certificate of a peer against the address it connects from.
  const peerNames = node.address.startsWith('127.') ? [node.address, '127.0.0.1'] : names;
  const server = issued(input, `etcd-${e.name}-server`, 'etcd-clients-ca', etcdServerCertRequest(e.member, names), { certificate: `${dir}/server.crt`, key: `${dir}/server.key` });
  const peer = issued(input, `etcd-${e.name}-peer`, 'etcd-peers-ca', etcdPeerCertRequest(e.member, peerNames), { certificate: `${dir}/peer.crt`, key: `${dir}/peer.key` });
  // nodeup's own client of the cluster: member add and update, status.
  const client = issued(input, `etcd-${e.name}-nodeup-client`, 'etcd-clients-ca', etcdClientCertRequest('hoist-nodeup'), { certificate: `${dir}/nodeup-client.crt`, key: `${dir}/nodeup-client.key` });
  const certs = [server, peer, client];
  const volumeDir = etcdVolumeDir(e.name);
  const member = etcdMemberTask(
    `etcd-${e.name}`,
    {
      cluster: config.cluster,
      etcdCluster: e.name,
      member: e.member,
      instanceId: node.instanceId,
      members: e.members.map((m) => m.name),
      stateStore: config.stateStore,
      version: e.version,
      address: node.address,
      clientPort: e.clientPort,
      peerPort: e.peerPort,
      volumeDir,
      dataDir: `${volumeDir}/data`,
      binary: `${BIN_DIR}/etcd`,
      files: {
        clientCa: caPath('etcd-clients-ca'),
        peerCa: caPath('etcd-peers-ca'),
        serverCert: server.desired.certificate,
        serverKey: server.desired.key,
        peerCert: peer.desired.certificate,
        peerKey: peer.desired.key,
      },
      clientCert: client.desired.certificate,
      clientKey: client.desired.key,
      restartOn: hashOf(certs.map((c) => c.desired)),
      running: true,
    },
    after([...certs.map(idOf), caFile('etcd-clients-ca'), caFile('etcd-peers-ca'), ...archiveOf(config, 'etcd')]),
  );
  return { tasks: [...certs, member], member: { etcdCluster: e.name, member: e.member, clientUrl: `https://${node.address}:${e.clientPort}`, clientCa: caPath('etcd-clients-ca'), clientCert: client.desired.certificate, clientKey: client.desired.key }, task: member };
}

/**
 * The members of this machine, and the service that takes their scheduled backups
 * (nodeup/etcd/backup-service.ts). They report no health check of their own: applying a member
 * waits until it serves with a leader, over TLS, which a plain health probe cannot ask.
 */
export function etcdTasks(input: ModelInput): { tasks: Task[]; healthChecks: HealthCheck[] } {
  const members = (input.config.controlPlane?.etcdClusters ?? []).map((e) => etcdMember(input, e));
  return { tasks: [...members.flatMap((m) => m.tasks), ...backupServiceTasks(input, members)], healthChecks: [] };
}
