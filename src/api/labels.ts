/** Kubernetes label and taint syntax, checked before nodes refuse them at registration. */

import type { FieldProblem } from '../errors.js';
import { isDnsSubdomain } from './names.js';

const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** Problems of a `[prefix/]name` key, or undefined. */
function keyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDnsSubdomain(prefix, 253)) return 'its prefix (before "/") must be a DNS subdomain such as example.com';
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) return 'its name must be 1 to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return undefined;
}

function valueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  return value.length <= 63 && NAME.test(value) ? undefined : 'the value must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
}

export function labelProblems(labels: Readonly<Record<string, string>>, at: (key: string) => string): FieldProblem[] {
  return Object.entries(labels).flatMap(([key, value]) => {
    const message = keyProblem(key) ?? valueProblem(value);
    return message ? [{ path: at(key), value, message: `is not a valid Kubernetes label: ${message}`, fix: 'e.g. example.com/team: web' }] : [];
  });
}

/** Annotations: keys as labels' (`[prefix/]name`), any value. */
export function annotationProblems(annotations: Readonly<Record<string, string>>, at: (key: string) => string): FieldProblem[] {
  return Object.entries(annotations).flatMap(([key, value]) => {
    const message = keyProblem(key);
    return message ? [{ path: at(key), value, message: `is not a valid Kubernetes annotation key: ${message}`, fix: 'e.g. example.com/owner: web' }] : [];
  });
}

/** `key=value:Effect` or `key:Effect`. */
export function taintProblems(taint: string, path: string): FieldProblem[] {
  const m = /^([^=:]+)(?:=([^:]*))?:([^:]+)$/.exec(taint);
  const fix = 'write key=value:Effect, e.g. dedicated=gpu:NoSchedule';
  if (!m) return [{ path, value: taint, message: 'is not a taint', fix }];
  const [, key = '', value = '', effect = ''] = m;
  const message = keyProblem(key) ?? valueProblem(value);
  if (message) return [{ path, value: taint, message: `is not a valid taint: ${message}`, fix }];
  if (!(EFFECTS as readonly string[]).includes(effect)) {
    return [{ path, value: taint, message: `has effect ${effect}; the effect must be one of ${EFFECTS.join(', ')}`, fix }];
  }
  return [];
}

export function isValidTaint(taint: string): boolean {
  return taintProblems(taint, '').length === 0;
}
