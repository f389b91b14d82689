/** Static pod manifests: what the kubelet runs from /etc/kubernetes/manifests. */

import { stringify } from 'yaml';

export interface StaticPod {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  /** Folders (or files) of the host the container reads or writes, by name; `type` as the hostPath's. */
  readonly hostPaths: Readonly<Record<string, { readonly path: string; readonly readOnly: boolean; readonly type?: 'DirectoryOrCreate' | 'File' }>>;
  readonly requests: { readonly cpu: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
  readonly probe: { readonly host: string; readonly port: number; readonly path: string; readonly scheme: 'HTTP' | 'HTTPS' };
  readonly priorityClassName?: string;
  /** The container's environment (spec.egressProxy's variables); none when empty. */
  readonly env?: readonly { readonly name: string; readonly value: string }[];
}

export function staticPodManifest(pod: StaticPod): string {
  const names = Object.keys(pod.hostPaths).sort();
  const limits = Object.fromEntries(Object.entries(pod.limits ?? {}).filter(([, v]) => v !== undefined));
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod.name, namespace: 'kube-system', labels: { 'k8s-app': pod.name } },
      spec: {
        hostNetwork: true,
        priorityClassName: pod.priorityClassName ?? 'system-cluster-critical',
        containers: [
          {
            name: pod.name,
            image: pod.image,
            command: [...pod.command],
            ...(pod.env !== undefined && pod.env.length > 0 ? { env: pod.env.map((e) => ({ ...e })) } : {}),
            resources: { requests: Object.fromEntries(Object.entries(pod.requests).filter(([, v]) => v !== undefined)), ...(Object.keys(limits).length > 0 ? { limits } : {}) },
            livenessProbe: { httpGet: { ...pod.probe }, initialDelaySeconds: 15, timeoutSeconds: 15 },
            volumeMounts: names.map((n) => ({ name: n, mountPath: pod.hostPaths[n]!.path, readOnly: pod.hostPaths[n]!.readOnly })),
          },
        ],
        volumes: names.map((n) => {
          const { path, type } = pod.hostPaths[n]!;
          return { name: n, hostPath: type === undefined ? { path } : { path, type } };
        }),
      },
    },
    { lineWidth: 0 },
  );
}
