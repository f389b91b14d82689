/**
 * What a GCE machine boots with: the boot script (cloudup/boot/) in the `startup-script` metadata
 * key, which the guest agent of Google's images runs as root at every boot (the script is made to
 * run again: it keeps what it already installed and verified); the OAuth scopes of its service
 * account; and its image as a Compute path. The script names the machine after its instance name
 * (the metadata server's `instance/name`, also its hostname), which nodeup reports under and
 * names its Kubernetes node after.
 */

import type { CompletedInstanceGroup, InstanceGroupRole } from '../../../src/api/index.js';
import { HoistError } from '../../../src/errors.js';
import { renderBootScript } from '../../boot/script.js';
import type { BootOptions } from '../../provider.js';

/** The metadata key of the boot script. */
export const STARTUP_SCRIPT_KEY = 'startup-script';

/**
 * The boot script of `ig`'s machines. A store on GCS is read through the JSON API with the
 * metadata server's token (the script, then nodeup's GCS client with the same credentials).
 * A store on S3 is refused: a GCE machine has no AWS identity to sign its reads with, so its
 * script would retry for ever; the plan says so before anything is made.
 */
export function startupScript(cluster: string, ig: CompletedInstanceGroup, boot: BootOptions): string {
  if (boot.stateStore.startsWith('s3://')) {
    throw new HoistError('UNSUPPORTED', `the state store ${boot.stateStore} is on S3, which the machines of ${cluster} on GCE cannot read: they read the store with their own identity (the metadata server's token), and have no AWS credentials`, {
      hint: 'keep a GCE cluster in a gs:// store, which its machines read with their service account (--state gs://my-bucket), or a file:// store for tests (--state file:///path)',
    });
  }
  return renderBootScript({
    boot: { stateStore: boot.stateStore, cluster, instanceGroup: ig.metadata.name, configHash: boot.configHash(ig.metadata.name) },
    storeAccess: boot.stateStore.startsWith('gs://') ? 'gcs' : 'file',
    metadata: 'gce',
    node: boot.node,
    nodeup: boot.nodeup,
    ...(boot.proxy === undefined ? {} : { proxy: boot.proxy }),
  });
}

const AUTH = 'https://www.googleapis.com/auth';

/**
 * The scopes of a role's service account (kops's; model/iam.ts makes the accounts): scopes only
 * cap a token, the account's bindings narrow it. The control plane manages routes, disks and
 * load balancers through the cloud controller. Storage is read-write: every machine writes its
 * status reports (and the control plane its etcd backups) into a gs:// store, where the
 * bucket's bindings decide which objects it may touch.
 */
export function scopes(role: InstanceGroupRole): string[] {
  const common = [`${AUTH}/devstorage.read_write`, `${AUTH}/logging.write`, `${AUTH}/monitoring`];
  return [role === 'ControlPlane' ? `${AUTH}/compute` : `${AUTH}/compute.readonly`, ...common].sort();
}

/**
 * An image as Compute takes it. Accepted: a full or `projects/…` path; `PROJECT/family/FAMILY`;
 * `PROJECT/NAME` — an image when NAME ends in a version (`-v20250101…`, as public images are
 * named), else a family (`ubuntu-os-cloud/ubuntu-2404-lts-amd64`, the default, is one).
 */
export function imagePath(image: string): string {
  if (/^(https?:|projects\/)/.test(image)) return image.replace(/^https?:\/\/[^/]+\/compute\/v1\//, '');
  const parts = image.split('/');
  if (parts.length === 3 && parts[1] === 'family') return `projects/${parts[0]}/global/images/family/${parts[2]}`;
  if (parts.length === 2) {
    const [project, name] = parts as [string, string];
    return /-v\d{8}/.test(name) ? `projects/${project}/global/images/${name}` : `projects/${project}/global/images/family/${name}`;
  }
  return image;
}
