/**
 * The state-store objects `update cluster --yes` writes for the machines, as `aws_s3_object`
 * resources, so that `terraform apply` alone brings the cluster up: each group's
 * `igconfig/<ig>/nodeup.yaml` (which its machines read at boot, so its Auto Scaling group
 * waits for it) and `cluster-completed.spec`. Keysets and worker credentials hold private keys,
 * which must never sit in Terraform state: hoist writes those to the store itself.
 */

import type { TerraformModule } from '../../../src/engine/target-terraform.js';
import { escapeTemplate, tfName } from '../../../src/engine/target-terraform.js';
import { nodeupConfigKey } from '../../../nodeup/config/keys.js';
import { completedSpecKey } from '../../../state-store/layout.js';
import type { StoreLocation } from '../model/iam-policies.js';

export interface StoreObjectsInput {
  readonly cluster: string;
  readonly store: StoreLocation;
  /** Each group's nodeup.yaml, by group name. */
  readonly nodeConfigs: ReadonlyMap<string, string>;
  readonly completedSpec: string;
}

/** Adds the objects; returns the address of each group's nodeup.yaml object. */
export function addStoreObjects(module: TerraformModule, input: StoreObjectsInput): Map<string, string> {
  // The store's keys start with the cluster's name; the bucket's, with the store's folder too.
  const folder = input.store.prefix.slice(0, input.store.prefix.length - `${input.cluster}/`.length);
  const object = (name: string, key: string, text: string): string =>
    module.add('resource', 'aws_s3_object', tfName(name), {
      provider: 'aws.files',
      bucket: escapeTemplate(input.store.bucket),
      key: escapeTemplate(`${folder}${key}`),
      content: `\${file("\${path.module}/${module.addFile(`aws_s3_object_${name}_content`, text)}")}`,
    });
  const byGroup = new Map<string, string>();
  for (const ig of [...input.nodeConfigs.keys()].sort()) byGroup.set(ig, object(`igconfig-${ig}-nodeup.yaml`, nodeupConfigKey(input.cluster, ig), input.nodeConfigs.get(ig)!));
  object('cluster-completed.spec', completedSpecKey(input.cluster), input.completedSpec);
  return byGroup;
}
