/**
 * Rules of the machine settings (files, hooks, kernel settings, IAM policies, the authorizer)
 * that the schema's shapes cannot say, at the Cluster's and each InstanceGroup's level.
 */

import type { FieldProblem } from '../errors.js';
import type { CompletedCluster, CompletedInstanceGroup } from './defaults.js';
import { hookUnitName } from './machine-settings.js';
import { formatPath, instanceGroupPath } from './paths.js';
import type { Path } from './paths.js';
import type { ClusterSpec } from './schema.js';

type FileAsset = NonNullable<ClusterSpec['fileAssets']>[number];
type Hook = NonNullable<ClusterSpec['hooks']>[number];

/** The path of an element (or a field of it) of the list being checked. */
type At = (...path: Path) => string;

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

export function machineProblems(cluster: CompletedCluster, igs: readonly CompletedInstanceGroup[]): FieldProblem[] {
  const spec = cluster.spec;
  const problems = [
    ...fileProblems(spec.fileAssets, (...p) => formatPath(['spec', 'fileAssets', ...p])),
    ...hookProblems(spec.hooks, (...p) => formatPath(['spec', 'hooks', ...p])),
    ...policyProblems(spec),
  ];
  const auth = spec.authorization;
  if (auth?.rbac !== undefined && auth.alwaysAllow !== undefined) {
    problems.push({ path: 'spec.authorization', value: auth, message: 'sets both rbac and alwaysAllow; the API server has one authorizer', fix: 'keep rbac (alwaysAllow lets every request through)' });
  }
  for (const ig of igs) {
    const at = (field: string): At => (...p) => instanceGroupPath(ig.metadata.name, ['spec', field, ...p]);
    problems.push(...fileProblems(ig.spec.fileAssets, at('fileAssets')), ...hookProblems(ig.spec.hooks, at('hooks')));
  }
  return problems;
}

function fileProblems(files: readonly FileAsset[] | undefined, at: At): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  (files ?? []).forEach((f, i) => {
    const first = seen.get(f.path);
    if (first !== undefined) problems.push({ path: at(i, 'path'), value: f.path, message: `is also the path of ${at(first)}`, fix: 'give each file its own path, or merge their contents' });
    else seen.set(f.path, i);
    if (f.isBase64 === true && !BASE64.test(f.content)) {
      problems.push({ path: at(i, 'content'), value: `${f.content.slice(0, 40)}…`, message: 'is not base64, and isBase64 is true', fix: 'encode the file with `base64 -w0 FILE`, or set isBase64: false for text' });
    }
  });
  return problems;
}

function hookProblems(hooks: readonly Hook[] | undefined, at: At): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  (hooks ?? []).forEach((h, i) => {
    const path = (...p: Path) => at(i, ...p);
    const name = hookUnitName(h, i);
    const first = seen.get(name);
    if (first !== undefined) problems.push({ path: path('name'), value: name, message: `is also the name of ${at(first)}`, fix: 'give each hook its own name' });
    else seen.set(name, i);
    if ((h.execContainer === undefined) === (h.manifest === undefined)) {
      problems.push({ path: path(), value: h, message: 'needs exactly one of execContainer and manifest', fix: 'e.g. manifest: "Type=oneshot\\nExecStart=/bin/true", or execContainer: {image: busybox, command: [true]}' });
    }
    if (h.useRawManifest === true && (h.manifest === undefined || (h.requires ?? []).length > 0 || (h.before ?? []).length > 0)) {
      problems.push({ path: path('useRawManifest'), value: true, message: 'needs a manifest (the whole unit) and no requires or before (write them in the unit)', fix: 'put the [Unit] section with its Requires= and Before= in manifest' });
    }
  });
  return problems;
}

function policyProblems(spec: CompletedCluster['spec']): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of ['additionalPolicies', 'externalPolicies'] as const) {
    const roles = spec[field] ?? {};
    if ('master' in roles && 'control-plane' in roles) {
      problems.push({ path: `spec.${field}.master`, value: roles.master, message: 'and control-plane name the same role', fix: 'keep control-plane (kops\'s newer name)' });
    }
  }
  for (const [role, text] of Object.entries(spec.additionalPolicies ?? {})) {
    const path = formatPath(['spec', 'additionalPolicies', role]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      problems.push({ path, value: text, message: `is not JSON (${(e as Error).message})`, fix: 'write a JSON array of IAM statements, e.g. [{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]' });
      continue;
    }
    const statements = Array.isArray(parsed) ? parsed : [parsed];
    if (statements.length === 0 || !statements.every((s) => typeof s === 'object' && s !== null && 'Effect' in s)) {
      problems.push({ path, value: text, message: 'is not a list of IAM statements (each with Effect, Action and Resource)', fix: 'e.g. [{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]' });
    }
  }
  return problems;
}
