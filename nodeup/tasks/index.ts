/** The node task kinds, one per kind of object on a machine. */

import type { TaskKind } from '../../src/engine/task.js';
import type { NodeContext } from '../context.js';
import { ArchiveKind } from './archive.js';
import { BootstrapKubeconfigKind } from './bootstrap-kubeconfig.js';
import { CertificateKind } from './certificate.js';
import { DirectoryKind } from './directory.js';
import { EtcdMemberKind } from '../etcd/member-kind.js';
import { FileKind } from './file.js';
import { KubeApplyKind } from './kube-apply.js';
import { KubeconfigKind } from './kubeconfig.js';
import { PackageKind } from './package.js';
import { SecretFileKind } from './secret-file.js';
import { ServiceKind } from './service.js';
import { SysctlKind } from './sysctl.js';
import { VolumeMountKind } from './volume-mount.js';

export { ChecksumMismatchError } from './archive.js';

export const NODE_KINDS: ReadonlyMap<string, TaskKind<NodeContext>> = new Map(
  [ArchiveKind, BootstrapKubeconfigKind, CertificateKind, DirectoryKind, EtcdMemberKind, FileKind, KubeApplyKind, KubeconfigKind, PackageKind, SecretFileKind, ServiceKind, SysctlKind, VolumeMountKind].map((k) => [k.kind, k]),
);
