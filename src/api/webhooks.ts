/**
 * What `spec.podIdentityWebhook` and `spec.authentication.aws` mean once defaulted, and the rules
 * every cloud shares. Resolved where they are used (the cloud's addons, nodeup), not written into
 * the completed spec, so that clusters which do not set them keep their configuration's hash.
 * Whether a cloud runs them at all is its own (CloudSpecRules.identityWebhooks), and so is what
 * they need of it besides (the cloud's spec rules).
 */

import type { FieldProblem } from '../errors.js';
import type { CloudSpecRules } from './cloud-rules.js';
import type { ClusterSpec } from './schema.js';
import { formatPath } from './paths.js';
import type { PathSegment } from './paths.js';
import { AWS_AUTHENTICATOR_BACKENDS } from './schema-webhooks.js';

/** kops's default: two webhook pods, so that one restarting does not stop pods being created. */
export const POD_IDENTITY_WEBHOOK_REPLICAS = 2;

export interface PodIdentityWebhookSettings {
  readonly replicas: number;
}

export function podIdentityWebhookSettings(spec: Pick<ClusterSpec, 'podIdentityWebhook'>): PodIdentityWebhookSettings | undefined {
  const w = spec.podIdentityWebhook;
  if (w?.enabled !== true) return undefined;
  return { replicas: w.replicas ?? POD_IDENTITY_WEBHOOK_REPLICAS };
}

export type AwsAuthenticatorBackend = (typeof AWS_AUTHENTICATOR_BACKENDS)[number];

export interface AwsIdentityMapping {
  readonly arn: string;
  readonly username: string;
  readonly groups: readonly string[];
}

export interface AwsAuthenticatorSettings {
  /** --cluster-id: what users' tokens name (`aws eks get-token --cluster-name`). */
  readonly clusterID: string;
  /** --backend-mode, in the spec's order. */
  readonly backends: readonly AwsAuthenticatorBackend[];
  readonly identityMappings: readonly AwsIdentityMapping[];
}

/** The authenticator's settings, or undefined when spec.authentication.aws is not set. */
export function awsAuthenticatorSettings(cluster: { readonly metadata: { readonly name: string }; readonly spec: Pick<ClusterSpec, 'authentication'> }): AwsAuthenticatorSettings | undefined {
  const a = cluster.spec.authentication?.aws;
  if (a === undefined) return undefined;
  const backends = splitBackends(a.backendMode).filter((b): b is AwsAuthenticatorBackend => (AWS_AUTHENTICATOR_BACKENDS as readonly string[]).includes(b));
  return {
    clusterID: a.clusterID !== undefined && a.clusterID !== '' ? a.clusterID : cluster.metadata.name,
    // aws-iam-authenticator's own default: the mounted file.
    backends: backends.length > 0 ? backends : ['MountedFile'],
    identityMappings: (a.identityMappings ?? []).map((m) => ({ arn: m.arn, username: m.username, groups: [...(m.groups ?? [])] })),
  };
}

const splitBackends = (mode: string | undefined): string[] => (mode ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');

const at = (...path: PathSegment[]): string => formatPath(['spec', ...path]);

const WHICH = 'docs/addons.md says which clouds run it';

export function webhookProblems(spec: Pick<ClusterSpec, 'podIdentityWebhook' | 'authentication' | 'cloudProvider'>, rules: Pick<CloudSpecRules, 'identityWebhooks'>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const aws = spec.authentication?.aws;
  if (rules.identityWebhooks !== true) {
    if (spec.podIdentityWebhook?.enabled === true) {
      problems.push({ path: at('podIdentityWebhook', 'enabled'), value: true, message: `is not read on ${spec.cloudProvider}: the pod identity webhook hands pods roles of another cloud's IAM, exchanged with that cloud's STS (${WHICH})`, fix: 'remove spec.podIdentityWebhook' });
    }
    if (aws !== undefined) {
      problems.push({ path: at('authentication', 'aws'), value: aws, message: `is not read on ${spec.cloudProvider}: aws-iam-authenticator checks users' tokens with another cloud's STS and IAM, and its image is in that cloud's registry (${WHICH})`, fix: 'remove spec.authentication.aws; spec.authentication.oidc signs users in with an OIDC provider on any cloud' });
    }
    return problems;
  }
  if (aws === undefined) return problems;
  const backends = splitBackends(aws.backendMode);
  backends.forEach((b) => {
    if (!(AWS_AUTHENTICATOR_BACKENDS as readonly string[]).includes(b)) {
      problems.push({ path: at('authentication', 'aws', 'backendMode'), value: aws.backendMode, message: `names ${JSON.stringify(b)}, which is not a backend of aws-iam-authenticator`, fix: `a comma-separated list of ${AWS_AUTHENTICATOR_BACKENDS.join(', ')}, e.g. CRD,MountedFile` });
    }
  });
  if (aws.backendMode !== undefined && backends.length === 0) {
    problems.push({ path: at('authentication', 'aws', 'backendMode'), value: aws.backendMode, message: 'names no backend', fix: 'remove it (MountedFile), or e.g. CRD,MountedFile' });
  }
  const mappings = aws.identityMappings ?? [];
  if (mappings.length > 0 && backends.length > 0 && !backends.includes('MountedFile') && !backends.includes('CRD')) {
    problems.push({ path: at('authentication', 'aws', 'identityMappings'), value: mappings.map((m) => m.arn), message: `are not read by backendMode ${aws.backendMode ?? ''}: hoist writes them for MountedFile and CRD`, fix: 'add MountedFile or CRD to backendMode, or put the mappings in kube-system/aws-auth yourself and remove identityMappings' });
  }
  const seen = new Map<string, number>();
  mappings.forEach((m, i) => {
    const first = seen.get(m.arn);
    if (first === undefined) seen.set(m.arn, i);
    else problems.push({ path: at('authentication', 'aws', 'identityMappings', i, 'arn'), value: m.arn, message: `is mapped already by identityMappings[${first}]`, fix: 'merge the two mappings into one' });
  });
  return problems;
}
