/**
 * kops's KubeSchedulerConfiguration additional object: a component configuration, not an API
 * object, kept in spec.additionalObjects and merged by nodeup into the scheduler's configuration
 * file (its fields over hoist's; the client connection's kubeconfig stays hoist's), as kops does.
 */

import type { FieldProblem } from '../errors.js';
import type { ClusterSpec } from './schema.js';
import { formatPath } from './paths.js';

export const SCHEDULER_CONFIG_KIND = 'KubeSchedulerConfiguration';
export const SCHEDULER_CONFIG_API_VERSION = 'kubescheduler.config.k8s.io/v1';

type AdditionalObject = NonNullable<ClusterSpec['additionalObjects']>[number];

export function isSchedulerConfiguration(o: { readonly kind?: unknown; readonly apiVersion?: unknown }): boolean {
  return o.kind === SCHEDULER_CONFIG_KIND && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('kubescheduler.config.k8s.io/');
}

/** The spec's KubeSchedulerConfiguration without apiVersion and kind (which hoist writes), or undefined. */
export function schedulerConfiguration(spec: Pick<ClusterSpec, 'additionalObjects'>): Record<string, unknown> | undefined {
  const found = (spec.additionalObjects ?? []).find(isSchedulerConfiguration);
  if (found === undefined) return undefined;
  const { apiVersion: _v, kind: _k, ...fields } = structuredClone(found) as AdditionalObject & Record<string, unknown>;
  return fields;
}

export function schedulerConfigurationProblems(spec: Pick<ClusterSpec, 'additionalObjects'>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  let first: number | undefined;
  (spec.additionalObjects ?? []).forEach((o, i) => {
    if (o.kind !== SCHEDULER_CONFIG_KIND) return;
    const at = (...p: string[]) => formatPath(['spec', 'additionalObjects', i, ...p]);
    if (o.apiVersion !== SCHEDULER_CONFIG_API_VERSION) {
      problems.push({ path: at('apiVersion'), value: o.apiVersion, message: `is not the scheduler configuration's version the supported Kubernetes releases read`, fix: `use apiVersion: ${SCHEDULER_CONFIG_API_VERSION} (v1beta3 is gone since Kubernetes 1.29)` });
      return;
    }
    if (first !== undefined) {
      problems.push({ path: at('kind'), value: o.kind, message: `is the second KubeSchedulerConfiguration (the first is spec.additionalObjects[${first}]); the scheduler reads one`, fix: 'merge them into one document' });
      return;
    }
    first = i;
    const connection = (o as Record<string, unknown>)['clientConnection'];
    if (connection !== undefined && (typeof connection !== 'object' || connection === null || Array.isArray(connection))) {
      problems.push({ path: at('clientConnection'), value: connection, message: 'is not a mapping', fix: 'e.g. clientConnection: {qps: 100, burst: 200}' });
    }
    const profiles = (o as Record<string, unknown>)['profiles'];
    if (profiles !== undefined && !Array.isArray(profiles)) {
      problems.push({ path: at('profiles'), value: profiles, message: 'is not a list', fix: 'e.g. profiles: [{schedulerName: default-scheduler}]' });
    }
  });
  return problems;
}
