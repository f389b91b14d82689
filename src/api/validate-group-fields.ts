/**
 * Rules of the InstanceGroup machine fields (schema-group.ts) that the schema cannot express,
 * and which of them a cloud carries: each cloud's rules pass the fields it supports
 * (`unsupportedGroupFieldProblems`), so a field a cloud would silently ignore is refused there,
 * and its kops import drops it, reported (`dropUnsupportedGroupFields`).
 */

import parse from 'parse-duration';
import type { FieldProblem } from '../errors.js';
import type { KopsImport } from './cloud-rules.js';
import type { CompletedInstanceGroup, CompletedSpec } from './defaults.js';
import { withDropped } from './kops.js';
import type { DroppedField } from './kops.js';
import { instanceGroupPath } from './paths.js';
import type { PathSegment } from './paths.js';
import { InstanceGroupMachineFields } from './schema-group.js';
import type { InstanceGroup } from './schema.js';

export type GroupMachineField = keyof typeof InstanceGroupMachineFields | 'additionalUserData';
export const GROUP_MACHINE_FIELDS: readonly GroupMachineField[] = [...(Object.keys(InstanceGroupMachineFields) as GroupMachineField[]), 'additionalUserData'];

/** AWS's bounds on an Auto Scaling group's maxInstanceLifetime, in seconds (besides 0: no limit). */
const LIFETIME_MIN = 86_400;
const LIFETIME_MAX = 31_536_000;
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const MIME_TYPE = /^[A-Za-z0-9][\w.+-]*\/[A-Za-z0-9][\w.+-]*$/;

/** `maxInstanceLifetime` in seconds: 0 for none, undefined when it is not a Go duration. */
export function lifetimeSeconds(text: string): number | undefined {
  if (text === '0') return 0;
  const ms = GO_DURATION.test(text) ? parse(text) : null;
  return ms === null || ms === undefined ? undefined : Math.round(ms / 1000);
}

export function groupFieldProblems(ig: CompletedInstanceGroup): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = (...p: PathSegment[]) => instanceGroupPath(ig.metadata.name, ['spec', ...p]);
  const s = ig.spec;
  if (s.maxInstanceLifetime !== undefined) {
    const seconds = lifetimeSeconds(s.maxInstanceLifetime);
    if (seconds === undefined) {
      problems.push({ path: at('maxInstanceLifetime'), value: s.maxInstanceLifetime, message: 'is not a duration', fix: 'write a duration such as 168h (or 0 for no limit)' });
    } else if (seconds !== 0 && (seconds < LIFETIME_MIN || seconds > LIFETIME_MAX)) {
      problems.push({ path: at('maxInstanceLifetime'), value: s.maxInstanceLifetime, message: 'is outside what an Auto Scaling group allows: 0 (no limit), or 24h to 8760h (one year)', fix: 'use 0, or a duration from 24h to 8760h' });
    }
  }
  problems.push(...duplicates((s.volumes ?? []).map((v) => v.device), (i) => at('volumes', i, 'device'), 'another volume has the same device', 'give each volume its own device, e.g. /dev/xvdd, /dev/xvde'));
  const mounts = s.volumeMounts ?? [];
  problems.push(...duplicates(mounts.map((m) => m.path), (i) => at('volumeMounts', i, 'path'), 'another volume mount has the same path', 'mount each device at its own path'));
  problems.push(...duplicates(mounts.map((m) => m.device), (i) => at('volumeMounts', i, 'device'), 'another volume mount has the same device', 'mount each device once'));
  mounts.forEach((m, i) => {
    if (!m.path.startsWith('/') || m.path === '/' || m.path.split('/').includes('..')) {
      problems.push({ path: at('volumeMounts', i, 'path'), value: m.path, message: 'is not an absolute path below /', fix: 'e.g. /data' });
    }
    if (!m.device.startsWith('/dev/')) problems.push({ path: at('volumeMounts', i, 'device'), value: m.device, message: 'is not a device path', fix: 'name the device, e.g. /dev/xvdd' });
  });
  const parts = s.additionalUserData ?? [];
  problems.push(...duplicates(parts.map((p) => p.name), (i) => at('additionalUserData', i, 'name'), 'another part has the same name', 'give each part its own name'));
  parts.forEach((p, i) => {
    if (!MIME_TYPE.test(p.type)) problems.push({ path: at('additionalUserData', i, 'type'), value: p.type, message: 'is not a MIME type', fix: 'e.g. text/x-shellscript or text/cloud-config' });
    if (p.name === '' || /[\r\n"]/.test(p.name)) problems.push({ path: at('additionalUserData', i, 'name'), value: p.name, message: 'must be a file name on one line, without quotes', fix: 'e.g. myscript.sh' });
  });
  const balancers = s.externalLoadBalancers ?? [];
  balancers.forEach((lb, i) => {
    if ((lb.loadBalancerName === undefined) === (lb.targetGroupArn === undefined)) {
      problems.push({ path: at('externalLoadBalancers', i), value: lb, message: 'needs exactly one of loadBalancerName and targetGroupArn', fix: 'write one entry per load balancer, e.g. {loadBalancerName: my-external-lb} or {targetGroupArn: arn:aws:elasticloadbalancing:…:targetgroup/…}' });
    }
  });
  const named = (field: 'loadBalancerName' | 'targetGroupArn') => balancers.map((lb) => lb[field]);
  for (const field of ['loadBalancerName', 'targetGroupArn'] as const) {
    const values = named(field);
    const seen = new Set<string>();
    values.forEach((v, i) => {
      if (v === undefined) return;
      if (seen.has(v)) problems.push({ path: at('externalLoadBalancers', i, field), value: v, message: 'is listed twice', fix: 'list each load balancer once' });
      seen.add(v);
    });
  }
  const instances = s.mixedInstancesPolicy?.instances;
  if (instances !== undefined) {
    if (instances.length === 0) problems.push({ path: at('mixedInstancesPolicy', 'instances'), value: [], message: 'lists no instance types', fix: `list some, e.g. [${s.machineType}], or remove it to use machineType` });
    problems.push(...duplicates(instances, (i) => at('mixedInstancesPolicy', 'instances', i), 'is listed twice', 'list each instance type once'));
  }
  return problems;
}

function duplicates(values: readonly string[], path: (i: number) => string, message: string, fix: string): FieldProblem[] {
  const seen = new Set<string>();
  return values.flatMap((v, i) => {
    const again = seen.has(v);
    seen.add(v);
    return again ? [{ path: path(i), value: v, message, fix }] : [];
  });
}

/** The machine fields a cloud does not carry, set on one of the spec's groups: each refused, with its path. */
export function unsupportedGroupFieldProblems(spec: CompletedSpec, supported: readonly GroupMachineField[], cloud: string): FieldProblem[] {
  return spec.instanceGroups.flatMap((ig) =>
    unsupported(ig, supported).map(([field, value]) => ({
      path: instanceGroupPath(ig.metadata.name, ['spec', field]),
      value,
      message: `is not supported on ${cloud}: hoist would not carry it to the machines`,
      fix: `remove it (the fields of this kind hoist carries on ${cloud}: ${supported.length > 0 ? supported.join(', ') : 'none'})`,
    })),
  );
}

/** The kops import of a group without the machine fields its cloud does not carry, each reported. */
export function dropUnsupportedGroupFields(doc: KopsImport<InstanceGroup>, supported: readonly GroupMachineField[], cloud: string): KopsImport<InstanceGroup> {
  const drop = unsupported(doc.object, supported);
  if (drop.length === 0) return doc;
  const spec: Record<string, unknown> = { ...doc.object.spec };
  const dropped: DroppedField[] = drop.map(([field, value]) => {
    delete spec[field];
    return { path: `spec.${field}`, value, reason: `hoist does not carry this field on ${cloud}` };
  });
  return withDropped(doc, { ...doc.object, spec: spec as InstanceGroup['spec'] }, dropped);
}

function unsupported(ig: Pick<InstanceGroup, 'spec'>, supported: readonly GroupMachineField[]): [GroupMachineField, unknown][] {
  const spec = ig.spec as Readonly<Record<string, unknown>>;
  return GROUP_MACHINE_FIELDS.filter((f) => !supported.includes(f) && spec[f] !== undefined).map((f) => [f, spec[f]]);
}
