/**
 * AWS's rules for the machine fields of an InstanceGroup (src/api/schema-group.ts): which of
 * them AWS carries, and what EC2 and Auto Scaling would refuse at launch, refused here with the
 * field's path instead. No SDK: spec commands load this module.
 */

import { instanceGroupPath } from '../../src/api/index.js';
import type { CompletedSpec, Path } from '../../src/api/index.js';
import { groupMachineSettings } from '../../src/api/defaults.js';
import { GROUP_MACHINE_FIELDS, unsupportedGroupFieldProblems } from '../../src/api/validate-group-fields.js';
import type { GroupMachineField } from '../../src/api/validate-group-fields.js';
import type { FieldProblem } from '../../src/errors.js';

/** Every machine field but GCE's provisioning model (nodeup formats and mounts volumeMounts). */
export const AWS_GROUP_FIELDS: readonly GroupMachineField[] = GROUP_MACHINE_FIELDS.filter((f) => f !== 'gcpProvisioningModel');

// AWS's ids are hex; kops's own examples (sg-exampleid3) are not, and are kept.
const SECURITY_GROUP = /^sg-[0-9A-Za-z]+$/;
const IOPS_TYPES = ['io1', 'io2', 'gp3'];
/** Launch templates take a KMS key by ARN (the Terraform provider refuses anything else). */
const KMS_KEY_ARN = /^arn:[\w-]+:kms:[\w-]+:\d{12}:(key|alias)\/\S+$/;
const kmsProblem = (path: string, key: string | undefined): FieldProblem[] =>
  key === undefined || KMS_KEY_ARN.test(key) ? [] : [{ path, value: key, message: 'is not the ARN of a KMS key', fix: 'use the key\'s ARN, e.g. arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (or alias/… in place of key/…)' }];
/** Burstable families, the only ones with CPU credits. */
const BURSTABLE = /^t\d[a-z]*\./;

export function awsGroupProblems(spec: CompletedSpec): FieldProblem[] {
  return [
    ...unsupportedGroupFieldProblems(spec, AWS_GROUP_FIELDS, 'aws'),
    ...spec.instanceGroups.flatMap((ig) => {
      const at = (...p: Path) => instanceGroupPath(ig.metadata.name, ['spec', ...p]);
      const s = ig.spec;
      const problems: FieldProblem[] = [];
      (s.additionalSecurityGroups ?? []).forEach((sg, i) => {
        if (!SECURITY_GROUP.test(sg)) problems.push({ path: at('additionalSecurityGroups', i), value: sg, message: 'is not a security group id', fix: 'use the group\'s id, e.g. sg-0123456789abcdef0' });
      });
      problems.push(...volumeProblems(s.rootVolumeType, s.rootVolumeIops, s.rootVolumeThroughput, (f) => at(f === 'iops' ? 'rootVolumeIops' : 'rootVolumeThroughput')));
      problems.push(...kmsProblem(at('rootVolumeEncryptionKey'), s.rootVolumeEncryptionKey));
      groupMachineSettings('aws', s).volumes.forEach((v, i) => {
        problems.push(...volumeProblems(v.type, v.iops, v.throughput, (f) => at('volumes', i, f)));
        problems.push(...kmsProblem(at('volumes', i, 'key'), v.key));
        if (v.device === '/dev/sda1' || v.device === '/dev/xvda') problems.push({ path: at('volumes', i, 'device'), value: v.device, message: 'is the root device', fix: 'use another device, e.g. /dev/xvdd' });
      });
      if (s.cpuCredits !== undefined) {
        const types = s.mixedInstancesPolicy?.instances ?? [s.machineType];
        const other = types.find((t) => !BURSTABLE.test(t));
        if (other !== undefined) problems.push({ path: at('cpuCredits'), value: s.cpuCredits, message: `applies to burstable instance types only, and ${other} is not one`, fix: 'remove cpuCredits, or run t2, t3, t3a or t4g instances' });
      }
      // EC2 runs no spot instances on Dedicated Hosts.
      const spot = s.maxPrice !== undefined || (s.mixedInstancesPolicy?.onDemandAboveBase ?? 100) < 100;
      if (s.tenancy === 'host' && spot) {
        problems.push({ path: at('tenancy'), value: s.tenancy, message: 'cannot run spot instances, which maxPrice or mixedInstancesPolicy.onDemandAboveBase ask for', fix: 'use tenancy dedicated (or default), or run the group On-Demand' });
      }
      const mixed = s.mixedInstancesPolicy;
      problems.push(...interruptionProblems(s, at));
      if (mixed?.spotInstancePools !== undefined && (mixed.spotAllocationStrategy ?? 'lowest-price') !== 'lowest-price') {
        problems.push({ path: at('mixedInstancesPolicy', 'spotInstancePools'), value: mixed.spotInstancePools, message: `applies to spotAllocationStrategy lowest-price only, not ${mixed.spotAllocationStrategy ?? ''}`, fix: 'remove spotInstancePools, or use lowest-price' });
      }
      return problems;
    }),
  ];
}

/**
 * kops sends instanceInterruptionBehavior with a spot price only, and leaves it out of a mixed
 * instances group (whose launch template asks for no spot): set elsewhere it would do nothing,
 * so it is refused rather than ignored.
 */
function interruptionProblems(s: CompletedSpec['instanceGroups'][number]['spec'], at: (...p: Path) => string): FieldProblem[] {
  const behavior = s.instanceInterruptionBehavior;
  if (behavior === undefined) return [];
  if (s.maxPrice === undefined) {
    return [{ path: at('instanceInterruptionBehavior'), value: behavior, message: 'applies to spot instances only, and the group runs On-Demand (no maxPrice)', fix: 'set maxPrice to run the group on spot instances, or remove instanceInterruptionBehavior' }];
  }
  if (s.mixedInstancesPolicy !== undefined) {
    return [{ path: at('instanceInterruptionBehavior'), value: behavior, message: 'cannot be set with mixedInstancesPolicy: the Auto Scaling group asks for its spot instances itself, and AWS terminates them when it takes them back', fix: 'remove instanceInterruptionBehavior, or mixedInstancesPolicy' }];
  }
  return [];
}

function volumeProblems(type: string, iops: number | undefined, throughput: number | undefined, at: (field: 'iops' | 'throughput') => string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (iops !== undefined && !IOPS_TYPES.includes(type)) problems.push({ path: at('iops'), value: iops, message: `applies to io1, io2 and gp3 volumes, not ${type}`, fix: 'remove it, or use one of those types' });
  if (throughput !== undefined && type !== 'gp3') problems.push({ path: at('throughput'), value: throughput, message: `applies to gp3 volumes only, not ${type}`, fix: 'remove it, or use gp3' });
  return problems;
}
