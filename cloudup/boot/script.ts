/**
 * The boot script: one bash template, rendered per cloud and per instance group, that takes a
 * stock Ubuntu 24.04 / Debian 12 machine to a running nodeup. Given as user data (AWS),
 * startup-script metadata (GCE) or run by the local cloud's agent under an instance's root.
 */

export interface BootScriptInput {
  /** The boot configuration (today's /etc/hoist/boot.yaml fields: stateStore, cluster, instanceGroup, configHash,
   *  healthPorts?) written by the script to <root>/etc/hoist/boot.yaml; the script adds instanceId itself where the
   *  cloud's metadata gives one (AWS: IMDSv2 instance-id; GCE: the instance name). */
  readonly boot: { stateStore: string; cluster: string; instanceGroup: string; configHash: string; healthPorts?: number[] };
  /** How the machine reads the state store: 's3' (SigV4 with the instance profile's credentials from IMDSv2),
   *  'gcs' (the metadata server's access token), 'file' (a path; the local cloud). */
  readonly storeAccess: 's3' | 'gcs' | 'file';
  /** The S3 region of the state store bucket (storeAccess 's3'). */
  readonly region?: string;
  /** The Node.js runtime archive: version, URL (mirror or upstream), sha256 of the archive. */
  readonly node: { readonly version: string; readonly url: string; readonly sha256: string };
  /** The nodeup bundle (one file, dist/nodeup.mjs of this hoist build) as published into the state store
   *  at `<store>/<cluster>/nodeup/<sha256>/nodeup.mjs`: its state-store URL and sha256. */
  readonly nodeup: { readonly url: string; readonly sha256: string };
}

/** The bash script that boots a machine of `input.boot.instanceGroup`. */
export function renderBootScript(input: BootScriptInput): string {
  return `#!/bin/bash\n# hoist boot script (${input.boot.cluster}/${input.boot.instanceGroup}): not yet complete\nset -euo pipefail\nexit 1\n`;
}
