/**
 * The shape of request bodies: types, ranges and no unknown fields. What depends on other
 * resources (does the network exist, do CIDRs overlap) is checked in resources.ts.
 *
 * Unknown fields are refused rather than ignored, as the big clouds do: a misspelt field that
 * is silently dropped would look applied to the caller and never be.
 */

import * as z from 'zod';
import type { CreateBodies, CreateTemplateVersionBody, InstanceActionBody, ResourceType, UpdateBodies } from '../api-types.js';
import { invalid } from './api-error.js';

/** Instances are real processes; one group is kept to a size one machine can run. */
export const MAX_GROUP_SIZE = 100;

const name = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => ![...s].some((c) => c.trim() === '' || c.charCodeAt(0) < 0x20), 'must not contain spaces or control characters');
const tags = z.record(z.string().min(1).max(128), z.string().max(256));
const id = z.string().min(1);
const port = z.int().min(1).max(65535);
const tagRef = z.string().regex(/^[^=\s]+=\S*$/, 'must be key=value');
const portRange = z
  .string()
  .regex(/^\d{1,5}(-\d{1,5})?$/, 'must be a port or a range, e.g. 443 or 30000-32767')
  .refine((s) => {
    const [lo, hi = lo] = s.split('-').map(Number);
    return lo !== undefined && hi !== undefined && lo >= 1 && hi <= 65535 && lo <= hi;
  }, 'must lie within 1-65535, low end first');
const size = z.int().min(0).max(MAX_GROUP_SIZE);
const listener = z.strictObject({ port, targetPort: port });
const healthCheck = z.strictObject({ port, path: z.string().startsWith('/').optional() });
const templateVersion = z.strictObject({
  machineType: z.string().min(1),
  image: z.string().min(1),
  userData: z.string().max(1_000_000),
  instanceTags: tags.default({}),
});

const base = { name, tags: tags.default({}) };

const create = {
  networks: z.strictObject({ ...base, cidr: z.string() }),
  subnets: z.strictObject({ ...base, networkId: id, cidr: z.string(), zone: z.string().min(1) }),
  firewallRules: z.strictObject({
    ...base,
    networkId: id,
    direction: z.enum(['ingress', 'egress']),
    protocol: z.enum(['tcp', 'udp', 'icmp', 'all']),
    ports: z.array(portRange).default([]),
    sourceCidrs: z.array(z.string()).default([]),
    sourceTags: z.array(tagRef).default([]),
    targetTags: z.array(tagRef).default([]),
  }),
  instanceTemplates: z.strictObject({ ...base, version: templateVersion }),
  instanceGroups: z.strictObject({
    ...base,
    templateId: id,
    templateVersion: z.union([z.int().min(1), z.literal('latest')]),
    subnetIds: z.array(id).min(1),
    minSize: size,
    maxSize: size,
    desiredCapacity: size,
    loadBalancerIds: z.array(id).default([]),
  }),
  loadBalancers: z.strictObject({
    ...base,
    networkId: id,
    subnetIds: z.array(id).min(1),
    listeners: z.array(listener).min(1),
    healthCheck,
  }),
  dnsRecords: z.strictObject({
    ...base,
    type: z.enum(['A', 'CNAME', 'TXT']),
    ttl: z.int().min(0).max(2_147_483_647),
    values: z.array(z.string().min(1)).min(1),
  }),
  volumes: z.strictObject({ ...base, zone: z.string().min(1), sizeGb: z.int().min(1).max(65536), volumeType: z.string().min(1) }),
} as const;

const update = {
  networks: z.strictObject({ tags: tags.optional() }),
  subnets: z.strictObject({ tags: tags.optional() }),
  firewallRules: z.strictObject({
    tags: tags.optional(),
    ports: z.array(portRange).optional(),
    sourceCidrs: z.array(z.string()).optional(),
    sourceTags: z.array(tagRef).optional(),
    targetTags: z.array(tagRef).optional(),
  }),
  instanceTemplates: z.strictObject({ tags: tags.optional() }),
  instanceGroups: z.strictObject({
    tags: tags.optional(),
    templateVersion: z.union([z.int().min(1), z.literal('latest')]).optional(),
    subnetIds: z.array(id).min(1).optional(),
    minSize: size.optional(),
    maxSize: size.optional(),
    desiredCapacity: size.optional(),
    loadBalancerIds: z.array(id).optional(),
  }),
  instances: z.strictObject({ tags: tags.optional() }),
  loadBalancers: z.strictObject({ tags: tags.optional(), listeners: z.array(listener).min(1).optional(), healthCheck: healthCheck.optional() }),
  dnsRecords: z.strictObject({ tags: tags.optional(), ttl: z.int().min(0).max(2_147_483_647).optional(), values: z.array(z.string().min(1)).min(1).optional() }),
  volumes: z.strictObject({ tags: tags.optional(), sizeGb: z.int().min(1).max(65536).optional() }),
} as const;

const instanceAction = z.strictObject({ instanceId: id, decrement: z.boolean().default(false) });

export type CreatableType = Exclude<ResourceType, 'instances'>;

export function parseCreate<T extends CreatableType>(type: T, body: unknown): CreateBodies[T] {
  return parse(create[type], body, () => `is not a field of ${type}`) as CreateBodies[T];
}

export function parseUpdate<T extends ResourceType>(type: T, body: unknown): Partial<UpdateBodies[T]> {
  const creatable = type === 'instances' ? undefined : create[type as CreatableType];
  return parse(update[type], body, (key) =>
    creatable !== undefined && key in creatable.shape ? 'cannot be changed (create a new resource instead)' : `is not a field of ${type}`,
  ) as Partial<UpdateBodies[T]>;
}

export function parseTemplateVersion(body: unknown): CreateTemplateVersionBody {
  return parse(templateVersion, body, () => 'is not a field of a template version');
}

export function parseInstanceAction(body: unknown): InstanceActionBody {
  return parse(instanceAction, body, () => 'is not a field of this request');
}

/** Parses `body` or throws InvalidParameter naming the first offending field. */
function parse<S extends z.ZodType>(schema: S, body: unknown, unknownKey: (key: string) => string): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'must be a JSON object');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw invalid('body', 'is not valid');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    throw invalid(fieldPath([...issue.path, key]), unknownKey(key));
  }
  throw invalid(fieldPath(issue.path) || 'body', issue.message);
}

/** `['listeners', 0, 'port']` → `listeners[0].port`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
