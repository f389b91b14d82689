/**
 * Request bodies in Kubernetes's protobuf encoding (`application/vnd.kubernetes.protobuf`),
 * which kubectl's typed clients send since 1.33 (`kubectl create configmap|secret|namespace|
 * serviceaccount|role|rolebinding|clusterrole|clusterrolebinding`, `kubectl drain`'s
 * evictions). The envelope is the magic
 * `k8s\0` and a runtime.Unknown (type meta, then the object's bytes); the objects are decoded
 * with the field numbers of k8s.io/api's generated.proto for the kinds below. Other kinds are
 * refused with 415, and the client can send JSON instead.
 */

import { ApiError } from './status.js';
import type { KubeObject } from './storage.js';

type Scalar = 'string' | 'bytes' | 'int64' | 'int32' | 'bool' | 'time';
interface Field {
  readonly name: string;
  readonly type: Scalar | Schema;
  readonly repeated?: boolean;
  /** A map<string, string|bytes>: repeated entries of key (1) and value (2). */
  readonly map?: 'string' | 'bytes';
}
type Schema = Readonly<Record<number, Field>>;

const MANAGED_FIELDS: Schema = { 1: { name: 'manager', type: 'string' }, 2: { name: 'operation', type: 'string' }, 3: { name: 'apiVersion', type: 'string' }, 4: { name: 'time', type: 'time' }, 6: { name: 'fieldsType', type: 'string' }, 8: { name: 'subresource', type: 'string' } };
const OWNER: Schema = { 1: { name: 'kind', type: 'string' }, 3: { name: 'name', type: 'string' }, 4: { name: 'uid', type: 'string' }, 5: { name: 'apiVersion', type: 'string' }, 6: { name: 'controller', type: 'bool' }, 7: { name: 'blockOwnerDeletion', type: 'bool' } };
const META: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int64' },
  8: { name: 'creationTimestamp', type: 'time' },
  11: { name: 'labels', type: 'string', map: 'string' },
  12: { name: 'annotations', type: 'string', map: 'string' },
  13: { name: 'ownerReferences', type: OWNER, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
  17: { name: 'managedFields', type: MANAGED_FIELDS, repeated: true },
};
const REF: Schema = { 1: { name: 'name', type: 'string' } };
const OBJECT_REF: Schema = { 1: { name: 'kind', type: 'string' }, 2: { name: 'namespace', type: 'string' }, 3: { name: 'name', type: 'string' }, 4: { name: 'uid', type: 'string' }, 5: { name: 'apiVersion', type: 'string' } };
const RULE: Schema = {
  1: { name: 'verbs', type: 'string', repeated: true },
  2: { name: 'apiGroups', type: 'string', repeated: true },
  3: { name: 'resources', type: 'string', repeated: true },
  4: { name: 'resourceNames', type: 'string', repeated: true },
  5: { name: 'nonResourceURLs', type: 'string', repeated: true },
};
const SUBJECT: Schema = { 1: { name: 'kind', type: 'string' }, 2: { name: 'apiGroup', type: 'string' }, 3: { name: 'name', type: 'string' }, 4: { name: 'namespace', type: 'string' } };
const ROLE_REF: Schema = { 1: { name: 'apiGroup', type: 'string' }, 2: { name: 'kind', type: 'string' }, 3: { name: 'name', type: 'string' } };
const BINDING: Schema = { 1: { name: 'metadata', type: META }, 2: { name: 'subjects', type: SUBJECT, repeated: true }, 3: { name: 'roleRef', type: ROLE_REF } };
const ROLE: Schema = { 1: { name: 'metadata', type: META }, 2: { name: 'rules', type: RULE, repeated: true } };

const KINDS: Readonly<Record<string, Schema>> = {
  'v1/ConfigMap': { 1: { name: 'metadata', type: META }, 2: { name: 'data', type: 'string', map: 'string' }, 3: { name: 'binaryData', type: 'string', map: 'bytes' }, 4: { name: 'immutable', type: 'bool' } },
  'v1/Secret': { 1: { name: 'metadata', type: META }, 2: { name: 'data', type: 'string', map: 'bytes' }, 3: { name: 'type', type: 'string' }, 4: { name: 'stringData', type: 'string', map: 'string' }, 5: { name: 'immutable', type: 'bool' } },
  'v1/Namespace': { 1: { name: 'metadata', type: META }, 2: { name: 'spec', type: { 1: { name: 'finalizers', type: 'string', repeated: true } } } },
  'v1/ServiceAccount': { 1: { name: 'metadata', type: META }, 2: { name: 'secrets', type: OBJECT_REF, repeated: true }, 3: { name: 'imagePullSecrets', type: REF, repeated: true }, 4: { name: 'automountServiceAccountToken', type: 'bool' } },
  'rbac.authorization.k8s.io/v1/Role': ROLE,
  'rbac.authorization.k8s.io/v1/ClusterRole': ROLE,
  'rbac.authorization.k8s.io/v1/RoleBinding': BINDING,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': BINDING,
  // What `kubectl drain` posts; its delete options are left out (the eviction deletes at once).
  'policy/v1/Eviction': { 1: { name: 'metadata', type: META } },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    1: { name: 'metadata', type: META },
    2: {
      name: 'spec',
      type: {
        1: {
          name: 'resourceAttributes',
          type: {
            1: { name: 'namespace', type: 'string' },
            2: { name: 'verb', type: 'string' },
            3: { name: 'group', type: 'string' },
            4: { name: 'version', type: 'string' },
            5: { name: 'resource', type: 'string' },
            6: { name: 'subresource', type: 'string' },
            7: { name: 'name', type: 'string' },
          },
        },
        2: { name: 'nonResourceAttributes', type: { 1: { name: 'path', type: 'string' }, 2: { name: 'verb', type: 'string' } } },
      },
    },
  },
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const ENVELOPE: Schema = { 1: { name: 'typeMeta', type: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } }, 2: { name: 'raw', type: 'bytes' } };

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + len);
    if (out.length !== len) throw new Error('truncated field');
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function scalar(type: Scalar, r: Reader): unknown {
  if (type === 'string') return r.bytes().toString('utf8');
  if (type === 'bytes') return r.bytes().toString('base64');
  if (type === 'bool') return r.varint() !== 0n;
  if (type === 'int64' || type === 'int32') return Number(BigInt.asIntN(64, r.varint()));
  // metav1.Time: seconds (1) and nanos (2), written as RFC 3339 at whole seconds.
  const t = decode(r.bytes(), { 1: { name: 's', type: 'int64' } }) as { s?: number };
  return t.s === undefined ? undefined : `${new Date(t.s * 1000).toISOString().slice(0, 19)}Z`;
}

function decode(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (r.pos < buf.length) {
    const tag = Number(r.varint());
    const [num, wire] = [tag >>> 3, tag & 7];
    const f = schema[num];
    if (f === undefined) {
      r.skip(wire);
      continue;
    }
    if (f.map !== undefined) {
      const entry = decode(r.bytes(), { 1: { name: 'k', type: 'string' }, 2: { name: 'v', type: f.map } }) as { k?: string; v?: unknown };
      const map = (out[f.name] ??= {}) as Record<string, unknown>;
      map[entry.k ?? ''] = entry.v ?? '';
      continue;
    }
    const value = typeof f.type === 'string' ? scalar(f.type, r) : decode(r.bytes(), f.type);
    if (f.repeated === true) ((out[f.name] ??= []) as unknown[]).push(value);
    // Go writes every field, empty or not; JSON leaves empty ones out, and so does this.
    else if (value !== '' && value !== 0 && value !== false && value !== undefined) out[f.name] = value;
  }
  return out;
}

export function isProtobuf(contentType: string | undefined): boolean {
  return /application\/vnd\.kubernetes\.protobuf/.test(contentType ?? '');
}

export function decodeProtobuf(body: Buffer): KubeObject {
  const unsupported = (what: string) =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, and application/vnd.kubernetes.protobuf for ${Object.keys(KINDS).join(', ')} (not ${what})`);
  if (!body.subarray(0, 4).equals(MAGIC)) throw unsupported('protobuf without the k8s envelope');
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: string };
  try {
    envelope = decode(body.subarray(4), ENVELOPE);
  } catch (e) {
    throw new ApiError(400, 'BadRequest', `the protobuf request body cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  const schema = KINDS[`${apiVersion}/${kind}`];
  if (schema === undefined) throw unsupported(`a protobuf ${apiVersion} ${kind}`);
  return { apiVersion, kind, ...decode(Buffer.from(envelope.raw ?? '', 'base64'), schema) };
}
