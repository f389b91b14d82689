/** Where each part of a cluster lives in the state store (see docs/state-store.md). */

export const clusterPrefix = (cluster: string): string => `${cluster}/`;
export const clusterConfigKey = (cluster: string): string => `${cluster}/config`;
export const instanceGroupPrefix = (cluster: string): string => `${cluster}/instancegroup/`;
export const instanceGroupKey = (cluster: string, ig: string): string => `${cluster}/instancegroup/${ig}`;
export const completedSpecKey = (cluster: string): string => `${cluster}/cluster-completed.spec`;
export const historyPrefix = (cluster: string): string => `${cluster}/history/`;

/** History revisions are zero-padded so that a plain key listing is in revision order. */
export const historyKey = (cluster: string, rev: number): string =>
  `${historyPrefix(cluster)}${String(rev).padStart(8, '0')}`;

export function revisionOfKey(key: string): number | undefined {
  const m = /\/history\/(\d{8,})$/.exec(key);
  return m ? Number(m[1]) : undefined;
}
