/**
 * Typed node task fields: each node kind's file declares its desired fields and makes its tasks,
 * and a misspelt or mistyped field does not compile (each @ts-expect-error below fails the type
 * check once the line compiles).
 */

import { describe, expect, it } from 'vitest';
import { archiveTask } from '../../nodeup/tasks/archive.js';
import { certificateTask } from '../../nodeup/tasks/certificate.js';
import { directoryTask } from '../../nodeup/tasks/directory.js';
import { etcdMemberTask } from '../../nodeup/etcd/member-kind.js';
import { bootstrapKubeconfigTask } from '../../nodeup/tasks/bootstrap-kubeconfig.js';
import { kubeApplyTask } from '../../nodeup/tasks/kube-apply.js';
import { fileTask } from '../../nodeup/tasks/file.js';
import { NODE_KINDS } from '../../nodeup/tasks/index.js';
import { kubeconfigTask } from '../../nodeup/tasks/kubeconfig.js';
import { packageTask } from '../../nodeup/tasks/package.js';
import { secretFileTask } from '../../nodeup/tasks/secret-file.js';
import { serviceTask } from '../../nodeup/tasks/service.js';
import { sysctlTask } from '../../nodeup/tasks/sysctl.js';
import { volumeMountTask } from '../../nodeup/tasks/volume-mount.js';

const kubeconfigFields = {
  server: 'https://127.0.0.1:6443',
  cluster: 'demo.k8s.local',
  user: 'kubelet-bootstrap',
  certificateAuthority: '/etc/kubernetes/pki/kubernetes-ca.crt',
  clientCertificate: '/var/lib/kubelet/pki/bootstrap-client.crt',
  clientKey: '/var/lib/kubelet/pki/bootstrap-client.key',
};

describe('node task constructors', () => {
  it('make plain tasks of their kind, Sync with no dependencies unless told', () => {
    expect(fileTask('/etc/a.conf', { content: 'a\n', mode: '0644' })).toEqual({
      kind: 'File',
      name: '/etc/a.conf',
      lifecycle: 'Sync',
      dependsOn: [],
      desired: { content: 'a\n', mode: '0644' },
    });
    const service = serviceTask('kubelet.service', { unit: '[Unit]\n', enabled: true, running: true, restartOn: 'sha256:0' }, { dependsOn: ['File/etc/a.conf'] });
    expect(service).toMatchObject({ kind: 'Service', lifecycle: 'Sync', dependsOn: ['File/etc/a.conf'] });
  });

  it('cover every node kind', () => {
    const made = [
      archiveTask('etcd', { source: 'http://127.0.0.1:1/etcd.tar.gz', sha256: '0'.repeat(64), targetDir: '/usr/local/bin', strip: 1, files: ['etcd'] }),
      certificateTask('kubelet-bootstrap', { copyOf: 'credential/kubelet-bootstrap', fingerprint: 'ab', certificate: '/a.crt', key: '/a.key' }),
      certificateTask('kube-proxy', {
        signer: 'kubernetes-ca',
        signerFingerprint: 'ab',
        commonName: 'system:kube-proxy',
        organizations: [],
        dnsNames: [],
        ipAddresses: [],
        usage: 'client',
        expiresSoon: false,
        certificate: '/b.crt',
        key: '/b.key',
      }),
      directoryTask('/etc/kubernetes/manifests', { mode: '0755' }),
      fileTask('/etc/a.conf', { content: '', mode: '0600' }),
      kubeconfigTask('/var/lib/kubelet/kubeconfig', kubeconfigFields),
      bootstrapKubeconfigTask('/var/lib/kubelet/bootstrap-kubeconfig', { server: 'https://127.0.0.1:6443', cluster: 'c.k8s.local', user: 'kubelet-bootstrap', certificateAuthority: '/ca.crt', tokenOf: 'credential/kubelet-bootstrap', fingerprint: 'ab' }),
      kubeApplyTask('ClusterRoleBinding/x', { kubeconfig: '/etc/kubernetes/admin.conf', fieldManager: 'hoist-nodeup', manifest: { apiVersion: 'v1', kind: 'ConfigMap' }, hash: 'ab' }),
      packageTask('conntrack', { installed: true }),
      secretFileTask('/var/lib/kubelet/config.json', { secret: 'dockerconfig', sha256: 'sha256:ab', mode: '0600' }),
      serviceTask('containerd.service', { unit: '', enabled: true, running: true, restartOn: '' }),
      sysctlTask('/etc/sysctl.d/99-k8s-general.conf', { settings: { 'net.ipv4.ip_forward': '1' } }),
      volumeMountTask('/data', { device: '/dev/xvdd', filesystem: 'ext4', formatOptions: [], mountOptions: ['defaults'] }),
      etcdMemberTask('etcd-main', {
        cluster: 'c.k8s.local',
        etcdCluster: 'main',
        member: 'a',
        instanceId: 'i-1',
        members: ['a'],
        stateStore: 'file:///tmp/state',
        version: '3.4.23',
        address: '127.0.0.2',
        clientPort: 2379,
        peerPort: 2380,
        volumeDir: '/mnt/etcd-main',
        dataDir: '/mnt/etcd-main/data',
        binary: '/usr/local/bin/etcd',
        files: { clientCa: '/a', peerCa: '/b', serverCert: '/c', serverKey: '/d', peerCert: '/e', peerKey: '/f' },
        clientCert: '/g',
        clientKey: '/h',
        restartOn: '',
        running: true,
      }),
    ];
    expect(new Set(made.map((t) => t.kind))).toEqual(new Set(NODE_KINDS.keys()));
  });

  it('refuse misspelt and mistyped fields at compile time', () => {
    const made = [
      // @ts-expect-error contents is not a field of a File
      fileTask('/etc/a', { contents: 'a', mode: '0644' }),
      // @ts-expect-error a mode is an octal string such as '0644'
      fileTask('/etc/b', { content: 'b', mode: 0o644 }),
      // @ts-expect-error mod is not a field of a Directory
      directoryTask('/etc/c', { mod: '0755' }),
      // @ts-expect-error strip is a number of folders
      archiveTask('etcd', { source: 'http://127.0.0.1:1/e.tar.gz', sha256: '0', targetDir: '/usr/local/bin', strip: '1', files: [] }),
      // @ts-expect-error an issued certificate needs its signer
      certificateTask('a', { commonName: 'a', organizations: [], dnsNames: [], ipAddresses: [], usage: 'client', expiresSoon: false, certificate: '/a.crt', key: '/a.key' }),
      // @ts-expect-error usage is server, client or server-client
      certificateTask('b', { signer: 'ca', signerFingerprint: '', commonName: 'b', organizations: [], dnsNames: [], ipAddresses: [], usage: 'peer', expiresSoon: false, certificate: '/b.crt', key: '/b.key' }),
      // @ts-expect-error clientKey is missing
      kubeconfigTask('/c', { server: '', cluster: '', user: '', certificateAuthority: '', clientCertificate: '' }),
      // @ts-expect-error a package is installed, not removed
      packageTask('conntrack', { installed: false }),
      // @ts-expect-error restart is not a field of a Service (restartOn is)
      serviceTask('d.service', { unit: '', enabled: true, running: true, restart: '' }),
      // @ts-expect-error sysctl settings are under settings
      sysctlTask('/etc/sysctl.d/e.conf', { 'net.ipv4.ip_forward': '1' }),
    ];
    expect(made.map((t) => t.kind)).toEqual(['File', 'File', 'Directory', 'Archive', 'Certificate', 'Certificate', 'Kubeconfig', 'Package', 'Service', 'Sysctl']);
  });
});
