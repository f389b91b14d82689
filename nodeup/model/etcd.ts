/**
 * etcd: one static pod per etcd cluster (main, events) whose members include this group, with
 * its serving and peer certificates. Peers find each other at `etcd-<member>.internal.<cluster>`.
 */

import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { etcdPeerCertRequest, etcdServerCertRequest } from '../../src/pki/requests.js';
import type { NodeupEtcd } from '../config/schema.js';
import { archiveOf } from './assets.js';
import { caFile, issued } from './pki.js';
import { staticPodManifest } from './static-pod.js';
import type { HealthCheck, ModelInput } from './types.js';
import { directoryTask } from '../tasks/directory.js';
import { MANIFEST_DIR, PKI_DIR, caPath, file, flags } from './types.js';

const peerName = (member: string, cluster: string) => `etcd-${member}.internal.${cluster}`;

function etcdCluster(input: ModelInput, e: NodeupEtcd): { tasks: Task[]; health: HealthCheck } {
  const { config, node } = input;
  const dir = `${PKI_DIR}/etcd/${e.name}`;
  const names = [node.address, peerName(e.member, config.cluster)];
  const server = issued(input, `etcd-${e.name}-server`, 'etcd-clients-ca', etcdServerCertRequest(e.member, names), { certificate: `${dir}/server.crt`, key: `${dir}/server.key` });
  const peer = issued(input, `etcd-${e.name}-peer`, 'etcd-peers-ca', etcdPeerCertRequest(e.member, names), { certificate: `${dir}/peer.crt`, key: `${dir}/peer.key` });
  const dataDir = `/var/lib/etcd/${e.name}`;
  const data = directoryTask(dataDir, { mode: '0700' });
  const client = `https://${node.address}:${e.clientPort}`;
  const peerUrl = `https://${node.address}:${e.peerPort}`;
  const initial = e.members.map((m) => `${m.name}=${m.name === e.member ? peerUrl : `https://${peerName(m.name, config.cluster)}:${e.peerPort}`}`).join(',');
  const manifest = file(
    `${MANIFEST_DIR}/etcd-${e.name}.yaml`,
    staticPodManifest({
      name: `etcd-${e.name}`,
      image: `${config.imageRegistry}/etcd:${e.version}-0`,
      command: [
        'etcd',
        ...flags({
          name: e.member,
          'data-dir': dataDir,
          'listen-client-urls': client,
          'advertise-client-urls': client,
          'listen-peer-urls': peerUrl,
          'initial-advertise-peer-urls': peerUrl,
          'initial-cluster': initial,
          'initial-cluster-state': 'new',
          'initial-cluster-token': `etcd-${e.name}.${config.cluster}`,
          'client-cert-auth': true,
          'trusted-ca-file': caPath('etcd-clients-ca'),
          'cert-file': server.desired.certificate,
          'key-file': server.desired.key,
          'peer-client-cert-auth': true,
          'peer-trusted-ca-file': caPath('etcd-peers-ca'),
          'peer-cert-file': peer.desired.certificate,
          'peer-key-file': peer.desired.key,
        }),
      ],
      hostPaths: { data: { path: dataDir, readOnly: false }, pki: { path: PKI_DIR, readOnly: true } },
      requests: { cpu: '200m', memory: '100Mi' },
      probe: { host: node.address, port: e.clientPort, path: '/health', scheme: 'HTTPS' },
      priorityClassName: 'system-node-critical',
    }),
    [idOf(server), idOf(peer), idOf(data), caFile('etcd-clients-ca'), caFile('etcd-peers-ca'), `Directory/${MANIFEST_DIR}`, ...archiveOf(config, 'etcd')],
  );
  return { tasks: [server, peer, data, manifest], health: { name: `etcd-${e.name}`, url: `http://${node.address}:${e.clientPort}/health` } };
}

export function etcdTasks(input: ModelInput): { tasks: Task[]; healthChecks: HealthCheck[] } {
  const clusters = input.config.controlPlane?.etcdClusters ?? [];
  const built = clusters.map((e) => etcdCluster(input, e));
  return { tasks: built.flatMap((b) => b.tasks), healthChecks: built.map((b) => b.health) };
}
