/**
 * Bucket IAM as the fake GCS keeps it: `GET /storage/v1/b/B/iam` (with
 * `optionsRequestedPolicyVersion`) and `PUT /storage/v1/b/B/iam`, the `storage#policy` shape,
 * the etag check (409 on a stale one), and conditional bindings only on buckets with uniform
 * bucket-level access (400 otherwise, as GCS refuses them). A new bucket has uniform access and
 * the legacy project bindings GCS gives every bucket. `allows` says what a member may do to an
 * object (or, for a listing, the bucket) under the policy, so tests can check what a grant covers;
 * the fake itself does not enforce the policy on object calls.
 */

import { GcsError, noSuchBucket } from './errors.js';
import type { FakeBinding, FakePolicy } from './iam-policy.js';
import { PolicyRefused, conditionHolds, etagOf, writePolicy } from './iam-policy.js';

export type ObjectPermission = 'storage.objects.get' | 'storage.objects.list' | 'storage.objects.create' | 'storage.objects.delete' | 'storage.objects.update';

const ALL: readonly ObjectPermission[] = ['storage.objects.get', 'storage.objects.list', 'storage.objects.create', 'storage.objects.delete', 'storage.objects.update'];

/** The object permissions of GCS's predefined roles. */
const ROLE_PERMISSIONS: Readonly<Record<string, readonly ObjectPermission[]>> = {
  'roles/storage.objectViewer': ['storage.objects.get', 'storage.objects.list'],
  'roles/storage.objectCreator': ['storage.objects.create'],
  'roles/storage.objectUser': ALL,
  'roles/storage.objectAdmin': ALL,
  'roles/storage.admin': ALL,
  'roles/storage.legacyBucketReader': ['storage.objects.list'],
  'roles/storage.legacyBucketOwner': ['storage.objects.list', 'storage.objects.create', 'storage.objects.delete'],
};

export class BucketPolicies {
  readonly #policies = new Map<string, FakePolicy>();
  readonly #fineGrained = new Set<string>();
  #serial = 0;

  constructor(
    private readonly exists: (bucket: string) => boolean,
    private readonly project = 'fake-project',
  ) {}

  /** Fine-grained (ACL) access: conditions are refused, as GCS refuses them without uniform access. */
  setUniformAccess(bucket: string, on: boolean): void {
    if (on) this.#fineGrained.delete(bucket);
    else this.#fineGrained.add(bucket);
  }

  policy(bucket: string): FakePolicy {
    if (!this.exists(bucket)) throw noSuchBucket();
    const found = this.#policies.get(bucket);
    if (found) return found;
    const legacy: FakeBinding[] = [
      { role: 'roles/storage.legacyBucketOwner', members: [`projectEditor:${this.project}`, `projectOwner:${this.project}`] },
      { role: 'roles/storage.legacyBucketReader', members: [`projectViewer:${this.project}`] },
    ];
    const initial = { version: 1, etag: etagOf(legacy, 0), bindings: legacy };
    this.#policies.set(bucket, initial);
    return initial;
  }

  /** The policy as `b/B/iam` answers it. */
  view(bucket: string): Record<string, unknown> {
    return { kind: 'storage#policy', resourceId: `projects/_/buckets/${bucket}`, ...this.policy(bucket) };
  }

  write(bucket: string, body: unknown): Record<string, unknown> {
    const current = this.policy(bucket);
    try {
      const next = writePolicy(current, body, ++this.#serial, () => undefined);
      if (this.#fineGrained.has(bucket) && next.bindings.some((b) => b.condition)) {
        throw new PolicyRefused(400, 'IAM conditions can only be set on a bucket with uniform bucket-level access enabled.');
      }
      this.#policies.set(bucket, next);
    } catch (e) {
      if (e instanceof PolicyRefused) throw new GcsError(e.code, e.code === 409 ? 'conflict' : 'invalid', e.message);
      throw e;
    }
    return this.view(bucket);
  }

  /** Whether `member` may do `permission` on the object `name` (a listing: on the bucket) under the bucket's policy. */
  allows(bucket: string, member: string, permission: ObjectPermission, name?: string): boolean {
    const resource = permission === 'storage.objects.list' || name === undefined ? `projects/_/buckets/${bucket}` : `projects/_/buckets/${bucket}/objects/${name}`;
    return this.policy(bucket).bindings.some((b) => b.members.includes(member) && (ROLE_PERMISSIONS[b.role] ?? []).includes(permission) && conditionHolds(b.condition, resource));
  }
}
