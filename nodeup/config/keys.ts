/** Where nodes find their configuration and report their status in the state store. */

export const igconfigPrefix = (cluster: string, ig: string): string => `${cluster}/igconfig/${ig}/`;
export const nodeupConfigKey = (cluster: string, ig: string): string => `${cluster}/igconfig/${ig}/nodeup.yaml`;
/** A client credential (certificate and key) made for one group's nodes. */
export const credentialKey = (cluster: string, ig: string, name: string): string => `${cluster}/igconfig/${ig}/credentials/${name}.yaml`;
export const instanceStatusPrefix = (cluster: string): string => `${cluster}/status/instances/`;
/** The one object a node writes: its own status. */
export const instanceStatusKey = (cluster: string, instanceId: string): string => `${cluster}/status/instances/${instanceId}.json`;
