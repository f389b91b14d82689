/** Task names of a local cluster: `<thing>.<cluster>`, unique across clusters as the cloud requires. */

export const networkName = (cluster: string): string => cluster;
export const subnetName = (subnet: string, cluster: string): string => `${subnet}.${cluster}`;
export const ruleName = (rule: string, cluster: string): string => `${rule}.${cluster}`;
export const apiLoadBalancerName = (cluster: string): string => `api.${cluster}`;
export const templateName = (ig: string, cluster: string): string => `${ig}.${cluster}`;
export const groupName = (ig: string, cluster: string): string => `${ig}.${cluster}`;
export const etcdVolumeName = (member: string, etcd: string, cluster: string): string => `${member}.etcd-${etcd}.${cluster}`;

/** The API server's port, on instances and on the load balancer alike. */
export const API_PORT = 6443;
/** The kubelet's health port: every node answers there. */
export const KUBELET_HEALTH_PORT = 10248;
