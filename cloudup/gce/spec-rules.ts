/**
 * The rules of GCE for its part of a spec, checked by every command that accepts a spec:
 * subnets are regional, a project is required, and cloudLabels must be valid GCE labels (the
 * kops import drops those that are not). No SDK: spec commands load this module.
 */

import { dropRefusedCloudLabels, formatPath, refusedCharacters, tagLength } from '../../src/api/index.js';
import type { CloudSpecRules, CloudTagRules } from '../../src/api/index.js';
import { gossipAsNoDns } from '../../src/api/api-dns.js';
import { permissionsBoundaryProblems } from '../../src/api/irsa.js';
import { awsOnlyLoadBalancerProblems } from '../../src/api/lb-aws-only.js';
import { dropUnsupportedGroupFields, unsupportedGroupFieldProblems } from '../../src/api/validate-group-fields.js';
import type { GroupMachineField } from '../../src/api/validate-group-fields.js';
import type { FieldProblem } from '../../src/errors.js';
import { gceEgressProblems } from './egress-rules.js';
import { existingAccountProblems } from './existing-account.js';
import { regionalGroupProblems } from './regional.js';
import { apiServerRoleProblems } from './apiserver-role.js';
import { workloadIdentityProblems } from './workload-identity-rules.js';

/** The InstanceGroup machine fields hoist carries on GCE (the rest are AWS's). */
export const GCE_GROUP_FIELDS: readonly GroupMachineField[] = ['gcpProvisioningModel'];

const MAX = 63;

/** GCE's spelling of a key or value, when it is a valid one. */
function spelling(text: string, key: boolean): string | undefined {
  const s = text.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return s.length <= MAX && (!key || /^[a-z]/.test(s)) ? s : undefined;
}

function text(what: 'key' | 'value', value: string): Omit<FieldProblem, 'path' | 'value'> | undefined {
  if (tagLength(value) > MAX) return { message: `is ${tagLength(value)} characters long; GCE label ${what}s hold at most ${MAX}`, fix: `shorten it to ${MAX} characters` };
  const valid = spelling(value, what === 'key');
  if (!/^[a-z0-9_-]*$/.test(value)) {
    const rule = what === 'key' ? 'lower-case letters, digits, "_" and "-", starting with a letter' : 'lower-case letters, digits, "_" and "-"';
    return { message: `has characters GCE refuses in labels (${refusedCharacters(value, /[a-z0-9_-]/)}): GCE label ${what}s are ${rule}`, fix: valid ? `use ${valid}` : 'use a-z, 0-9, "_" and "-"' };
  }
  if (what === 'key' && !/^[a-z]/.test(value)) {
    return { message: 'must start with a lower-case letter, as GCE label keys do', fix: valid ? `use ${valid}` : 'start it with a letter a-z' };
  }
  return undefined;
}

export const GCE_LABEL_RULES: CloudTagRules = {
  cloud: 'GCE',
  noun: 'label',
  maxPerResource: 64,
  // An etcd disk (ownership twice, role, etcd cluster and member), or an instance during a roll
  // (ownership twice, role, instance group, detached).
  ownPerResource: 5,
  ownPerNodeLabel: 0,
  keyProblem: (key) => text('key', key),
  valueProblem: (value) => text('value', value),
};

export const gceSpecRules: CloudSpecRules = {
  cloud: 'gce',
  regionalSubnets: true,
  sharedSubnetsNeedNoZone: false,
  tags: GCE_LABEL_RULES,
  validate: (spec) => [
    ...(spec.cluster.spec.project
      ? []
      : [{ path: formatPath(['spec', 'project']), message: 'is required on gce', fix: 'set spec.project to your GCP project ID (create cluster --project)' }]),
    ...unsupportedGroupFieldProblems(spec, GCE_GROUP_FIELDS, 'gce'),
    ...gceEgressProblems(spec.cluster.spec.subnets),
    ...regionalGroupProblems(spec),
    ...apiServerRoleProblems(spec),
    ...existingAccountProblems(spec),
    ...workloadIdentityProblems(spec.cluster.spec, spec.cluster.metadata.name),
    ...permissionsBoundaryProblems(spec.cluster, 'gce'),
    ...awsOnlyLoadBalancerProblems(spec.cluster, 'gce'),
  ],
  // kops leaves cloudLabels off GCE instances, so a kops GCE spec can hold labels GCE refuses
  // (upper case, dots); hoist writes them, so the import drops those, reported, rather than failing.
  fromKops: {
    cluster: (doc) => gossipAsNoDns(dropRefusedCloudLabels(doc, GCE_LABEL_RULES)),
    instanceGroup: (doc) => dropUnsupportedGroupFields(dropRefusedCloudLabels(doc, GCE_LABEL_RULES), GCE_GROUP_FIELDS, 'gce'),
  },
  newCluster: {
    apiNamesNeedZone: true,
    flagProblems: (opts) => (opts.project ? [] : [{ path: '--project', message: 'is required on gce', fix: 'pass your GCP project ID, e.g. --project my-project' }]),
    clusterFields: (opts) => (opts.project === undefined ? {} : { project: opts.project }),
  },
};
