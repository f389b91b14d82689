/** Cluster-wide rules that are not about the network or the groups. */

import type { FieldProblem } from '../errors.js';
import { authenticationProblems, cloudConfigProblems } from './auth-cloud.js';
import { schedulerConfigurationProblems } from './scheduler-config.js';
import { CONTAINER_RUNTIME, containerRuntime } from './defaults.js';
import type { CompletedCluster } from './defaults.js';
import { annotationProblems } from './labels.js';
import { clusterNameProblems, isDnsSubdomain } from './names.js';
import { formatPath } from './paths.js';
import { rollingUpdateProblems } from './validate-rolling.js';
import { kubernetesVersionProblems } from './versions.js';

const at = (...path: (string | number)[]): string => formatPath(['spec', ...path]);
/** A DNS name's longest written form (RFC 1035, without the trailing dot). */
const DNS_NAME_MAX = 253;
const SSH_KEY = /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/;

export function clusterProblems(cluster: CompletedCluster): FieldProblem[] {
  const spec = cluster.spec;
  const problems: FieldProblem[] = [
    ...clusterNameProblems(cluster.metadata.name, 'metadata.name'),
    ...kubernetesVersionProblems(spec.kubernetesVersion, at('kubernetesVersion')),
  ];
  const options = Object.keys(spec.networking);
  if (options.length > 1) {
    problems.push({ path: at('networking'), value: spec.networking, message: `sets ${options.join(' and ')}; a cluster has one pod network`, fix: 'keep one of them' });
  }
  problems.push(...authenticationProblems(spec), ...cloudConfigProblems(spec), ...schedulerConfigurationProblems(spec));
  problems.push(...rollingUpdateProblems(spec.rollingUpdate, (...p) => at('rollingUpdate', ...p)));
  if (!isDnsSubdomain(spec.api.publicName)) {
    problems.push({ path: at('api', 'publicName'), value: spec.api.publicName, message: 'is not a DNS name', fix: `e.g. api.${cluster.metadata.name}` });
  }
  problems.push(...clusterDNSDomainProblems(spec.clusterDNSDomain));
  for (const field of ['agentPodAnnotations', 'operatorPodAnnotations'] as const) {
    problems.push(...annotationProblems(spec.networking.cilium?.[field] ?? {}, (key) => at('networking', 'cilium', field, key)));
  }
  if (containerRuntime(spec) !== CONTAINER_RUNTIME) {
    problems.push({
      path: at('containerRuntime'),
      value: spec.containerRuntime,
      message: `is not a container runtime hoist runs: its machines always run ${CONTAINER_RUNTIME}, and kops accepts only ${CONTAINER_RUNTIME} too (Kubernetes 1.24 removed the kubelet's Docker support)`,
      fix: `use ${CONTAINER_RUNTIME}, or leave it out`,
    });
  }
  if (spec.sshPublicKey !== undefined && !SSH_KEY.test(spec.sshPublicKey.trim())) {
    problems.push({ path: at('sshPublicKey'), value: spec.sshPublicKey, message: 'is not an SSH public key', fix: 'paste the one line of your .pub file, e.g. "ssh-ed25519 AAAA... you@host"' });
  }
  const range = spec.kubeAPIServer?.serviceNodePortRange;
  if (range !== undefined) {
    const m = /^(\d{1,5})-(\d{1,5})$/.exec(range);
    const [low, high] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
    if (!m || low < 1 || high > 65535 || low >= high) {
      problems.push({ path: at('kubeAPIServer', 'serviceNodePortRange'), value: range, message: 'is not a port range', fix: 'e.g. 30000-32767' });
    }
  }
  const kubelet = spec.kubelet;
  if (kubelet?.imageGCLowThresholdPercent !== undefined && kubelet.imageGCHighThresholdPercent !== undefined && kubelet.imageGCLowThresholdPercent >= kubelet.imageGCHighThresholdPercent) {
    problems.push({ path: at('kubelet', 'imageGCLowThresholdPercent'), value: kubelet.imageGCLowThresholdPercent, message: 'must be lower than imageGCHighThresholdPercent', fix: 'e.g. 80 and 85' });
  }
  return problems;
}

/**
 * spec.clusterDNSDomain: a DNS name, as kops requires, lower case (CoreDNS and the kubelet's
 * search path compare names as written) and without the trailing dot resolv.conf would double.
 */
export function clusterDNSDomainProblems(domain: string | undefined): FieldProblem[] {
  if (domain === undefined) return [];
  const problem = (message: string, fix: string): FieldProblem[] => [{ path: at('clusterDNSDomain'), value: domain, message, fix }];
  const fixed = domain.toLowerCase().replace(/\.+$/, '').replaceAll('_', '-');
  const hint = fixed !== domain && isDnsSubdomain(fixed, DNS_NAME_MAX) ? `use ${fixed}` : 'e.g. cluster.local or k8s.internal';
  if (domain === '') return problem('is empty', 'leave it out for cluster.local, or name a domain such as k8s.internal');
  if (domain.endsWith('.')) return problem('ends with a dot', hint);
  if (domain.includes('_')) return problem('contains "_", which a DNS name may not', hint);
  if (domain !== domain.toLowerCase()) return problem('has upper-case letters', hint);
  if (!isDnsSubdomain(domain, DNS_NAME_MAX)) {
    return problem(`is not a DNS name: parts of letters a-z, digits and "-" (at most 63 each, ${DNS_NAME_MAX} in all), each starting and ending with a letter or digit`, hint);
  }
  return [];
}
