/**
 * Name rules for clusters and instance groups.
 *
 * Names become parts of state-store keys, cloud resource names and DNS names, so they are checked
 * before anything is stored: a name that looks like a path (`../x`, `a/b`) is refused here, which
 * is what keeps the store's keys inside the cluster's folder.
 *
 * - A cluster name is a DNS-1123 subdomain (kops's rule): lowercase letters, digits, `-` and `.`,
 *   at most 253 characters, each dot-separated label at most 63.
 * - An instance group (and a subnet) name is a DNS-1123 subdomain of at most 63 characters, so it
 *   fits wherever a single DNS label or a Kubernetes label value must hold it.
 */

import type { FieldProblem } from '../errors.js';

export const CLUSTER_NAME_MAX = 253;
export const INSTANCE_GROUP_NAME_MAX = 63;
const LABEL_MAX = 63;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function clusterNameProblems(name: unknown, path: string): FieldProblem[] {
  return subdomainProblems(name, path, CLUSTER_NAME_MAX, 'cluster name', 'demo.example.com');
}

export function instanceGroupNameProblems(name: unknown, path: string): FieldProblem[] {
  return subdomainProblems(name, path, INSTANCE_GROUP_NAME_MAX, 'instance group name', 'nodes-us-east-1a');
}

export function subnetNameProblems(name: unknown, path: string): FieldProblem[] {
  return subdomainProblems(name, path, INSTANCE_GROUP_NAME_MAX, 'subnet name', 'us-east-1a');
}

/** True when `name` is a DNS-1123 subdomain of at most `max` characters. */
export function isDnsSubdomain(name: string, max = CLUSTER_NAME_MAX): boolean {
  return name.length > 0 && name.length <= max && name.split('.').every((l) => l.length <= LABEL_MAX && LABEL.test(l));
}

/** One problem (the first that applies), so a bad name gives one clear line, not five. */
function subdomainProblems(name: unknown, path: string, max: number, what: string, example: string): FieldProblem[] {
  const problem = (message: string, fix: string): FieldProblem[] => [{ path, value: name, message, fix }];
  if (typeof name !== 'string') return problem(`${what} must be a string`, `e.g. ${example}`);
  if (name === '') return problem(`${what} is empty`, `give it a name such as ${example}`);
  if (/[/\\]/.test(name) || name === '.' || name === '..' || name.split('.').includes('')) {
    const fix = suggestion(name, max);
    return problem(
      `${what} looks like a path: it may not contain "/", "\\" or empty parts such as ".."`,
      fix ? `use a plain name such as ${fix}` : `use a plain name such as ${example}`,
    );
  }
  if (name.length > max) return problem(`${what} is ${name.length} characters long; at most ${max} are allowed`, 'use a shorter name');
  if (isDnsSubdomain(name, max)) return [];
  const fix = suggestion(name, max);
  const hint = fix && fix !== name ? `did you mean ${fix}?` : `e.g. ${example}`;
  const long = name.split('.').find((l) => l.length > LABEL_MAX);
  if (long !== undefined) return problem(`part "${long.slice(0, 20)}..." is longer than ${LABEL_MAX} characters`, 'split it with dots or shorten it');
  const foreign = [...new Set([...name].filter((c) => !/[\x20-\x7e]/.test(c)))];
  const besides = foreign.length > 0 ? `; it has characters that are not ASCII (${foreign.slice(0, 5).map((c) => JSON.stringify(c)).join(', ')})` : '';
  return problem(
    `${what} must be a lower-case ASCII DNS name: letters a-z, digits, "-" and ".", each part starting and ending with a letter or digit${besides}`,
    hint,
  );
}

/**
 * A valid name close to `name`, or undefined when none comes from it. Full-width and other
 * compatibility forms of ASCII (`ｄ`) are read as ASCII; a name with any other character gets no
 * suggestion, since dropping what cannot be spelt (`例え`) would suggest a different name.
 */
function suggestion(name: string, max: number): string | undefined {
  const ascii = name.normalize('NFKC');
  if (!/^[\x20-\x7e]*$/.test(ascii)) return undefined;
  const labels = ascii
    .toLowerCase()
    .split(/[./\\]+/)
    .map((l) => l.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, LABEL_MAX).replace(/-+$/, ''))
    .filter((l) => l !== '');
  const candidate = labels.join('.').slice(0, max).replace(/[.-]+$/, '');
  return candidate !== '' && isDnsSubdomain(candidate, max) ? candidate : undefined;
}
