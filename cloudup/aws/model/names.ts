/** Task names of an AWS cluster: `<thing>.<cluster>`, the `Name` tag of what each task makes. */

export const vpcName = (cluster: string): string => cluster;
export const subnetName = (subnet: string, cluster: string): string => `${subnet}.${cluster}`;
export const publicRouteTableName = (cluster: string): string => cluster;
export const privateRouteTableName = (zone: string, cluster: string): string => `private-${zone}.${cluster}`;
export const natName = (zone: string, cluster: string): string => `${zone}.${cluster}`;
export const securityGroupName = (role: SecurityRole, cluster: string): string => `${role}.${cluster}`;
export const etcdVolumeName = (member: string, etcd: string, cluster: string): string => `${member}.etcd-${etcd}.${cluster}`;
export const groupName = (ig: string, cluster: string): string => `${ig}.${cluster}`;
export const apiName = (cluster: string): string => `api.${cluster}`;

export type SecurityRole = 'control-plane' | 'apiserver' | 'nodes' | 'bastion';

/** The API server's port on the control-plane machines (kube-apiserver's default). */
export const API_SERVER_PORT = 6443;
/** The port clients use on the API load balancer, as kops does: https://api.<cluster>/. */
export const API_LISTENER_PORT = 443;
/**
 * With spec.api.loadBalancer.sslCertificate the 443 listener ends TLS, and the one that passes
 * TLS through to the API servers (for client certificates) listens here, as kops's does.
 */
export const API_PASSTHROUGH_PORT = 8443;

export const apiTlsTargetGroupName = (cluster: string): string => `api-tls.${cluster}`;
export const apiSecurityGroupName = (cluster: string): string => `api-elb.${cluster}`;

/**
 * The port machines and hoist's kubeconfigs reach the API on: they authenticate with client
 * certificates, so they need the listener that passes TLS through.
 */
export function apiClientPort(spec: { readonly cluster: { readonly spec: { readonly api?: { readonly loadBalancer?: { readonly sslCertificate?: string } } } } }): number {
  return spec.cluster.spec.api?.loadBalancer?.sslCertificate === undefined ? API_LISTENER_PORT : API_PASSTHROUGH_PORT;
}
