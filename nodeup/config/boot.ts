/**
 * The boot configuration: the small YAML document a machine receives as user data. It says
 * where the state store is, which cluster and instance group the machine belongs to, and the
 * hash its nodeup.yaml must have: a machine never applies a configuration it was not launched for.
 * On AWS it also names the machine's instance id.
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
   * The machine's instance id, where the cloud's user data can name it (AWS, through cloud-init's
   * instance data); nodeup reports under it and names the node after it. An unrendered template
   * is refused rather than taken for an id.
   */
  instanceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be the machine\'s instance id; a "{{ … }}" here means cloud-init did not render the user data as a Jinja template').optional(),
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
