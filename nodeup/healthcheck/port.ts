/**
 * The control plane's plain-HTTP health port, kops's `kube-apiserver-healthcheck` port: nodeup
 * serves it on every control-plane machine (./service.ts), and a cloud whose load balancer can
 * only probe plain HTTP (GCE's target pools) points its check here. It lives in this
 * cloud-neutral module so that both sides name one value.
 */
export const API_HEALTH_CHECK_PORT = 3990;

/** The only paths it answers for, each forwarded to the local API server. */
export const API_HEALTH_CHECK_PATHS: readonly string[] = ['/readyz', '/livez', '/healthz'];
