/**
 * The user data of an instance group's machines: the boot script (cloudup/boot/), which takes a
 * stock image to a running nodeup. cloud-init runs it once, at the machine's first boot; the
 * script installs nodeup as a service that runs on every later boot. The script pins the group's
 * configuration hash and the nodeup bundle's sha256, so a change of either makes a new launch
 * template version, which is what marks running machines out of date.
 *
 * The machine learns its instance id from IMDSv2 (the script writes it into boot.yaml): nodeup
 * reports under it and names the Kubernetes node after it, which is how rolling updates find a
 * machine's report and drain its node.
 *
 * AWS caps user data at 16 KB before base64; the launch template sends the script gzip'd
 * (cloud-init unpacks it), and a script that would still not fit is refused here, at plan time.
 * A group's additionalUserData parts follow the script in a multipart MIME document, as kops
 * sends them: the script stays first, and cloud-init runs the parts in order.
 */

import type { CompletedInstanceGroup } from '../../../src/api/index.js';
import { HoistError } from '../../../src/errors.js';
import { renderBootScript } from '../../boot/script.js';
import type { BootOptions } from '../../provider.js';
import { encodeUserData } from '../tasks/launch-template.js';
import { multipartUserData } from './multipart.js';

/** AWS's limit on user data, in bytes, before its base64 encoding. */
export const USER_DATA_LIMIT = 16 * 1024;

/** The boot script's name as the first part of a multipart user data. */
export const BOOT_SCRIPT_NAME = 'hoist-boot.sh';

/**
 * The user data of `ig`'s machines, as the launch template holds it (plain text): the boot
 * script, or, with spec.additionalUserData, a multipart MIME document whose first part it is.
 */
export function userData(cluster: string, ig: CompletedInstanceGroup, boot: BootOptions, region: string): string {
  const script = renderBootScript({
    boot: { stateStore: boot.stateStore, cluster, instanceGroup: ig.metadata.name, configHash: boot.configHash(ig.metadata.name) },
    // A store on S3 is read with the instance profile's credentials; any other (a file:// store on
    // a shared disk) by its path.
    storeAccess: boot.stateStore.startsWith('s3://') ? 's3' : 'file',
    region,
    metadata: 'aws',
    node: boot.node,
    nodeup: boot.nodeup,
    ...(boot.proxy === undefined ? {} : { proxy: boot.proxy }),
  });
  const extra = ig.spec.additionalUserData ?? [];
  const text = extra.length === 0 ? script : multipartUserData([{ name: BOOT_SCRIPT_NAME, type: 'text/x-shellscript', content: script }, ...extra]);
  if (fitsUngzipped(text)) return text;
  const size = encodeUserData(text).length;
  if (size > USER_DATA_LIMIT) {
    const what = extra.length === 0 ? 'the boot script is' : 'the boot script and spec.additionalUserData are';
    throw new HoistError('INVALID_SPEC', `InstanceGroup/${ig.metadata.name}: ${what} ${size} bytes gzip'd, over AWS's user-data limit of ${USER_DATA_LIMIT} bytes`, {
      path: `InstanceGroup/${ig.metadata.name}`,
      hint:
        extra.length === 0
          ? 'shorten what the script carries for this group (its name, the state store URL, spec.assets.fileRepository)'
          : 'shorten spec.additionalUserData (or have a part download what it needs), or what the script carries (the state store URL, spec.assets.fileRepository)',
    });
  }
  return text;
}

/**
 * Whether gzip cannot make `text` larger than the limit, so that it need not be compressed to
 * know: a plan compressed every group's script (about 0.2 ms each) only to measure it, and a
 * boot script is a few KB. The bound is zlib's loosest (deflateBound for any settings: stored
 * blocks at worst) with gzip's 18 bytes of header and trailer.
 */
function fitsUngzipped(text: string): boolean {
  const n = Buffer.byteLength(text, 'utf8');
  return n + (n >> 5) + (n >> 7) + (n >> 11) + 7 + 18 <= USER_DATA_LIMIT;
}
