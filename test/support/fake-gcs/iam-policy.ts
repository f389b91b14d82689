/**
 * IAM policies as GCP's fakes keep them (the fake Compute server's project policy, the fake
 * GCS's bucket policies): the policy JSON (`version`, `etag`, `bindings[]` with `role`,
 * `members` and an optional `condition` of `title`, `description`, `expression`), its etag
 * check on write, and what a member may do under it. Conditions are CEL; the fakes understand
 * the part of it that names objects: `resource.name.startsWith("…")` and `resource.name == "…"`,
 * joined by `||`, and refuse any other expression (400), where GCP would accept and evaluate it.
 */

import { createHash } from 'node:crypto';

export interface FakeCondition {
  readonly title: string;
  readonly description?: string;
  readonly expression: string;
}

export interface FakeBinding {
  readonly role: string;
  readonly members: readonly string[];
  readonly condition?: FakeCondition;
}

export interface FakePolicy {
  readonly version: number;
  readonly etag: string;
  readonly bindings: readonly FakeBinding[];
}

/** Why a policy write is refused: the status and message the services send. */
export class PolicyRefused extends Error {
  constructor(
    readonly code: 400 | 409,
    message: string,
  ) {
    super(message);
  }
}

type Term = { readonly op: 'startsWith' | 'equals'; readonly value: string };

/** The terms of an expression the fakes understand, or undefined. */
export function parseCondition(expression: string): Term[] | undefined {
  const terms = expression.split(/\s*\|\|\s*/).map((t): Term | undefined => {
    const m = /^resource\.name(?:\.startsWith\(("(?:[^"\\]|\\.)*")\)|\s*==\s*("(?:[^"\\]|\\.)*"))$/.exec(t.trim());
    if (!m) return undefined;
    return m[1] !== undefined ? { op: 'startsWith', value: JSON.parse(m[1]) as string } : { op: 'equals', value: JSON.parse(m[2]!) as string };
  });
  return terms.every((t) => t !== undefined) ? (terms as Term[]) : undefined;
}

/** Whether a condition holds for a resource name (a bucket `projects/_/buckets/B`, or an object `…/objects/NAME`). */
export function conditionHolds(condition: FakeCondition | undefined, resourceName: string): boolean {
  if (!condition) return true;
  const terms = parseCondition(condition.expression) ?? [];
  return terms.some((t) => (t.op === 'equals' ? resourceName === t.value : resourceName.startsWith(t.value)));
}

export function etagOf(bindings: readonly FakeBinding[], serial: number): string {
  return Buffer.from(createHash('sha256').update(`${serial}:${JSON.stringify(bindings)}`).digest().subarray(0, 8)).toString('base64');
}

/**
 * The policy a write leaves, or why it is refused: a stale etag is a 409 (another write came
 * between the caller's read and this one); a write without an etag overwrites, as GCP allows.
 */
export function writePolicy(current: FakePolicy, body: unknown, serial: number, checkMember: (member: string) => string | undefined): FakePolicy {
  const p = (typeof body === 'object' && body !== null ? body : {}) as { version?: unknown; etag?: unknown; bindings?: unknown };
  if (p.etag !== undefined && p.etag !== current.etag) {
    throw new PolicyRefused(409, 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.');
  }
  const version = p.version === undefined ? 1 : Number(p.version);
  if (![1, 3].includes(version)) throw new PolicyRefused(400, `Invalid policy version ${String(p.version)}: must be 1 or 3.`);
  const raw = Array.isArray(p.bindings) ? (p.bindings as unknown[]) : [];
  const bindings = raw.map((b, i): FakeBinding => {
    const x = (typeof b === 'object' && b !== null ? b : {}) as { role?: unknown; members?: unknown; condition?: unknown };
    if (typeof x.role !== 'string' || !/^(roles|projects\/[^/]+\/roles|organizations\/[^/]+\/roles)\/[A-Za-z0-9_.]+$/.test(x.role)) throw new PolicyRefused(400, `Role (${String(x.role)}) does not exist in the resource's hierarchy.`);
    if (!Array.isArray(x.members) || x.members.length === 0) throw new PolicyRefused(400, `bindings[${i}].members: a binding needs at least one member.`);
    for (const m of x.members) {
      if (typeof m !== 'string' || !/^(user|serviceAccount|group|domain|projectOwner|projectEditor|projectViewer|deleted:serviceAccount):.+|allUsers|allAuthenticatedUsers|principal(Set)?:\/\/iam\.googleapis\.com\/.+$/.test(m)) throw new PolicyRefused(400, `Invalid member: ${String(m)}.`);
      const why = checkMember(m);
      if (why) throw new PolicyRefused(400, why);
    }
    if (x.condition === undefined) return { role: x.role, members: [...(x.members as string[])] };
    const c = x.condition as { title?: unknown; description?: unknown; expression?: unknown };
    if (version !== 3) throw new PolicyRefused(400, 'A policy with conditions must be of version 3.');
    if (typeof c.title !== 'string' || c.title === '') throw new PolicyRefused(400, `bindings[${i}].condition.title is required.`);
    if (typeof c.expression !== 'string' || parseCondition(c.expression) === undefined) throw new PolicyRefused(400, `bindings[${i}].condition.expression: Condition expression is not valid (${String(c.expression)}).`);
    return { role: x.role, members: [...(x.members as string[])], condition: { title: c.title, ...(typeof c.description === 'string' && c.description !== '' ? { description: c.description } : {}), expression: c.expression } };
  });
  return { version: bindings.some((b) => b.condition) ? 3 : version, etag: etagOf(bindings, serial), bindings };
}
