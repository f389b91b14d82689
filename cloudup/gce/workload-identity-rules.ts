/**
 * GCE's rules for service account issuer discovery and workload identity: the discovery store
 * is a GCS bucket (GCP's STS fetches the documents from its public address); kops's AWS fields
 * are refused; each entry of iam.serviceAccountExternalPermissions names the GCP service account
 * it may act as, and its subject fits in what GCP keeps. No SDK: spec commands load this module.
 */

import { formatPath } from '../../src/api/index.js';
import type { CompletedClusterSpec, Path } from '../../src/api/index.js';
import type { FieldProblem } from '../../src/errors.js';
import { MAX_AUDIENCES, MAX_SUBJECT, subjectOf } from './workload-identity-names.js';

const at = (...path: Path): string => formatPath(['spec', ...path]);

/** A pool's and a provider's description hold at most 256 characters: the cluster's mark must fit. */
const MAX_DESCRIPTION = 256;

export function workloadIdentityProblems(spec: CompletedClusterSpec, cluster: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const mark = `hoist.dev/cluster=${cluster}`;
  if (spec.iam?.useServiceAccountExternalPermissions === true && mark.length > MAX_DESCRIPTION) {
    problems.push({ path: at('iam', 'useServiceAccountExternalPermissions'), value: true, message: `needs the cluster's name in the workload identity pool's description (${mark.length} characters with hoist's mark; GCP keeps ${MAX_DESCRIPTION})`, fix: `use a cluster name of at most ${MAX_DESCRIPTION - 'hoist.dev/cluster='.length} characters` });
  }
  const d = spec.serviceAccountIssuerDiscovery;
  const store = d?.discoveryStore;
  if (store !== undefined && store !== '' && !store.startsWith('gs://')) {
    problems.push({ path: at('serviceAccountIssuerDiscovery', 'discoveryStore'), value: store, message: 'is not a GCS bucket: on gce the issuer\'s documents are published in GCS', fix: 'name a GCS bucket (and folder) that is not the state store\'s, e.g. gs://example-oidc-discovery' });
  }
  if (d?.enableAWSOIDCProvider !== undefined) {
    problems.push({ path: at('serviceAccountIssuerDiscovery', 'enableAWSOIDCProvider'), value: d.enableAWSOIDCProvider, message: 'is aws\'s: gce has no IAM OIDC provider', fix: 'remove it; on gce iam.useServiceAccountExternalPermissions: true makes the workload identity pool and its provider' });
  }
  const audiences = [...new Set(d?.additionalAudiences ?? [])];
  if (audiences.length > MAX_AUDIENCES - 1) {
    problems.push({ path: at('serviceAccountIssuerDiscovery', 'additionalAudiences'), value: audiences, message: `has ${audiences.length} audiences; a workload identity provider allows at most ${MAX_AUDIENCES}, its own name among them`, fix: `keep at most ${MAX_AUDIENCES - 1}` });
  }
  audiences.forEach((a) => {
    if (a.length > 256) problems.push({ path: at('serviceAccountIssuerDiscovery', 'additionalAudiences', (d?.additionalAudiences ?? []).indexOf(a)), value: a, message: `is ${a.length} characters long; a workload identity provider's audiences are at most 256`, fix: 'shorten it' });
  });
  // One binding per service account and GCP account: an entry repeating both would plan it twice.
  const bindings = new Map<string, number>();
  (spec.iam?.serviceAccountExternalPermissions ?? []).forEach((p, i) => {
    const binding = JSON.stringify([p.namespace, p.name, p.gcp?.serviceAccount]);
    const first = bindings.get(binding);
    if (p.gcp !== undefined && first !== undefined) {
      problems.push({ path: at('iam', 'serviceAccountExternalPermissions', i), value: `${p.namespace}/${p.name}`, message: `lets ${p.namespace}/${p.name} act as ${p.gcp.serviceAccount}, as serviceAccountExternalPermissions[${first}] does already`, fix: 'remove one of the two entries' });
    }
    bindings.set(binding, first ?? i);
    if (p.aws !== undefined) {
      problems.push({ path: at('iam', 'serviceAccountExternalPermissions', i, 'aws'), value: `${p.namespace}/${p.name}`, message: 'is aws\'s: gce has no IAM roles for service accounts', fix: 'use gcp: {serviceAccount: <email>} to let it act as a GCP service account' });
    }
    if (p.gcp === undefined && spec.iam?.useServiceAccountExternalPermissions === true) {
      problems.push({ path: at('iam', 'serviceAccountExternalPermissions', i, 'gcp'), value: null, message: `is required on gce: it names the GCP service account that ${p.namespace}/${p.name} may act as`, fix: 'add gcp: {serviceAccount: external-dns@my-project.iam.gserviceaccount.com}, or remove the entry' });
    }
    const subject = subjectOf(p);
    if (Buffer.byteLength(subject) > MAX_SUBJECT) {
      problems.push({ path: at('iam', 'serviceAccountExternalPermissions', i), value: subject, message: `makes the subject ${subject}, ${Buffer.byteLength(subject)} bytes long; GCP keeps at most ${MAX_SUBJECT} bytes of a workload identity subject`, fix: 'use a shorter service account name or namespace' });
    }
  });
  return problems;
}
