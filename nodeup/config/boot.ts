/**
 * The boot configuration: the small YAML document the boot script (cloudup/boot/) writes to
 * /etc/hoist/boot.yaml from what its user data pins. It says where the state store is, which
 * cluster and instance group the machine belongs to, and the hash its nodeup.yaml must have: a
 * machine never applies a configuration it was not launched for. On AWS and GCE it also names
 * the machine's instance id, as the cloud's metadata server gives it.
 */

import { parse } from 'yaml';
import * as z from 'zod';
import { HoistError } from '../../src/errors.js';

const BootSchema = z.object({
  stateStore: z.string().min(1),
  cluster: z.string().min(1),
  instanceGroup: z.string().min(1),
  configHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  healthPorts: z.array(z.int()).optional(),
  /**
   * The machine's instance id, where the cloud's metadata server gives one (AWS: IMDSv2's
   * instance-id; GCE: the instance name); nodeup reports under it and names the node after it.
   * Anything but a plain name (such as the unrendered `{{ … }}` of an older hoist's user data) is
   * refused rather than taken for an id.
   */
  instanceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be the machine\'s instance id (letters, digits, ".", "_", "-"); a "{{ … }}" here is user data of an older hoist that cloud-init did not render').optional(),
});

export type BootConfig = z.infer<typeof BootSchema>;

export function parseBootConfig(text: string, source: string): BootConfig {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 0 });
  } catch (e) {
    throw new HoistError('INVALID_YAML', `${source} is not YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = BootSchema.safeParse(doc);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new HoistError('INVALID_SPEC', `${source} is not a hoist boot configuration: ${first ? `${first.path.join('.') || '(document)'}: ${first.message}` : 'invalid'}`, {
      hint: 'a boot configuration has stateStore, cluster, instanceGroup and configHash (sha256:<hex>)',
    });
  }
  return parsed.data;
}

/** True when user data looks like a hoist boot configuration (the local agent decides with it). */
export function isBootConfig(text: string): boolean {
  try {
    return BootSchema.safeParse(parse(text)).success;
  } catch {
    return false;
  }
}
