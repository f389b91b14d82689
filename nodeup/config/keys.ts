/** Where nodes find their configuration and report their status in the state store. */

export const igconfigPrefix = (cluster: string, ig: string): string => `${cluster}/igconfig/${ig}/`;
export const nodeupConfigKey = (cluster: string, ig: string): string => `${cluster}/igconfig/${ig}/nodeup.yaml`;
/** A client credential (certificate and key) made for one group's nodes. */
export const credentialKey = (cluster: string, ig: string, name: string): string => `${cluster}/igconfig/${ig}/credentials/${name}.yaml`;
/** A file of the cluster's secret store copied for one group's machines (state-store/secrets.ts). */
export const nodeSecretKey = (cluster: string, ig: string, name: string): string => `${cluster}/igconfig/${ig}/secrets/${name}`;
export const instanceStatusPrefix = (cluster: string): string => `${cluster}/status/instances/`;
/** The one object a node writes: its own status. */
/** Under the group's own prefix, so that a cloud policy can let a machine write its group's reports only. */
export const instanceStatusKey = (cluster: string, instanceGroup: string, instanceId: string): string =>
  `${cluster}/status/instances/${instanceGroup}/${instanceId}.json`;
/** The nodeup bundle machines download at boot; named by its sha256, so a published one never changes. */
export const nodeupBundleKey = (cluster: string, sha256: string): string => `${cluster}/nodeup/${sha256}/nodeup.mjs`;
