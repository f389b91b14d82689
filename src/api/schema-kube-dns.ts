/**
 * kops's `spec.kubeDNS`: the cluster's DNS server (CoreDNS) and NodeLocal DNSCache, with kops
 * v1alpha2's names. Defaults and the rules that need more than one field are kube-dns.ts.
 */

import * as z from 'zod';
import { QuantitySchema, StringMapSchema } from './schema-components.js';

/** kops's providers; validation refuses KubeDNS (kube-dns.ts says why). */
export const KUBE_DNS_PROVIDERS = ['CoreDNS', 'KubeDNS'] as const;

const address = (description: string, example: string) => z.string().meta({ description, examples: [example] });

/** A pod's toleration, as the Kubernetes API writes it. */
export const TolerationSchema = z.strictObject({
  key: z.string().optional().describe('The taint key it matches; empty with operator Exists matches every taint.'),
  operator: z.enum(['Exists', 'Equal']).optional().describe('Default: Equal.'),
  value: z.string().optional().describe('The taint value it matches (operator Equal).'),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('The taint effect it matches. Default: every effect.'),
  tolerationSeconds: z.int().min(0).optional().describe('How long a pod stays on a node tainted NoExecute.'),
});

export const NodeLocalDNSSchema = z
  .strictObject({
    enabled: z.boolean().optional().describe('Run NodeLocal DNSCache: a node-local-dns pod on every node answers its pods at localIP, and the kubelets\' clusterDNS becomes localIP (every group rolls). Default: false.'),
    localIP: address('The address node-local-dns listens on, on every node: one no machine, pod or service has. Default: 169.254.20.10 (fd00:90de:d95::1 in an IPv6 cluster), as kops.', '169.254.20.10').optional(),
    forwardToKubeDNS: z.boolean().optional().describe('Send every query node-local-dns cannot answer from its cache to CoreDNS (so upstreamNameservers and stubDomains apply); false sends names outside the cluster domain to the nameservers of the node\'s /etc/resolv.conf. Default: false, as kops.'),
    cpuRequest: QuantitySchema.optional().describe('The CPU each node-local-dns pod requests. Default: 25m.'),
    memoryRequest: QuantitySchema.optional().describe('The memory each node-local-dns pod requests. Default: 5Mi.'),
    image: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._/:-]*(@sha256:[a-f0-9]{64})?$/, 'a container image reference such as registry.k8s.io/dns/k8s-dns-node-cache:1.22.20')
      .optional()
      .meta({ description: 'The node-cache image. Default: registry.k8s.io/dns/k8s-dns-node-cache:1.22.20, as kops pins it. spec.assets.containerRegistry replaces its registry, as for hoist\'s own images.', examples: ['registry.k8s.io/dns/k8s-dns-node-cache:1.22.20'] }),
    podAnnotations: StringMapSchema.optional().describe('More annotations of the node-local-dns pods.'),
  })
  .describe('NodeLocal DNSCache (the node-local-dns DaemonSet, with its ConfigMap and the kube-dns-upstream Service).');

export const KubeDNSSchema = z
  .strictObject({
    provider: z.enum(KUBE_DNS_PROVIDERS).optional().describe('CoreDNS, the only one hoist runs; KubeDNS (kops\'s older kube-dns) is refused. Default: CoreDNS.'),
    serverIP: address('The kube-dns Service\'s address, inside serviceClusterIPRange. Default: its 10th address (100.64.0.10), as kops.', '100.64.0.10').optional(),
    domain: z
      .string()
      .optional()
      .meta({ description: 'The cluster domain CoreDNS serves: kept as kops writes it, and it must equal clusterDNSDomain (cluster.local when that is unset). Set the domain with clusterDNSDomain.', examples: ['cluster.local'] }),
    upstreamNameservers: z
      .array(z.string())
      .optional()
      .meta({ description: 'IP addresses CoreDNS forwards names outside the cluster to. Default: the nameservers of the node\'s /etc/resolv.conf.', examples: [['1.1.1.1', '8.8.8.8']] }),
    stubDomains: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({ description: 'Zones answered by other nameservers: zone to the IP addresses CoreDNS forwards its names to.', examples: [{ 'corp.example': ['10.0.0.53'] }] }),
    externalCoreFile: z.string().optional().describe('A whole Corefile for CoreDNS, used as written instead of hoist\'s (so upstreamNameservers and stubDomains cannot be set with it).'),
    cpuRequest: QuantitySchema.optional().describe('The CPU each CoreDNS pod requests. Default: 100m.'),
    memoryRequest: QuantitySchema.optional().describe('The memory each CoreDNS pod requests. Default: 70Mi.'),
    memoryLimit: QuantitySchema.optional().describe('The memory limit of each CoreDNS pod. Default: 170Mi.'),
    tolerations: z.array(TolerationSchema).optional().describe('The CoreDNS pods\' tolerations, instead of hoist\'s (CriticalAddonsOnly).'),
    nodeLocalDNS: NodeLocalDNSSchema.optional(),
  })
  .describe('The cluster\'s DNS: CoreDNS\'s address, upstreams, stub zones, Corefile and resources, and NodeLocal DNSCache, as kops.');
