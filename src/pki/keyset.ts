/**
 * The Keyset document: one named CA, key pair or bare signing key, as a list of items with one
 * primary. Several items exist during a rotation: the new one is added (so every reader starts
 * trusting it), promoted (so it starts signing), and the old one removed at the end.
 *
 * The functions here are pure: they return new keysets and never change their inputs.
 */

import * as z from 'zod';
import { parse, stringify } from 'yaml';
import { API_VERSION } from '../api/api-version.js';
import { HoistError } from '../errors.js';

export const KEYSET_KIND = 'Keyset';
export const KEYSET_TYPES = ['CA', 'Keypair', 'ServiceAccountKey'] as const;
export type KeysetType = (typeof KEYSET_TYPES)[number];

export interface KeysetItem {
  readonly id: string;
  /** PEM; absent for a bare key (ServiceAccountKey). */
  readonly certificate?: string;
  /** PEM (PKCS#8); only in the private copy of a keyset. */
  readonly privateKey?: string;
  /** PEM (SPKI); set for bare keys, whose public half has no certificate to travel in. */
  readonly publicKey?: string;
  readonly createdAt: string;
  /** When the certificate expires (ISO 8601). */
  readonly notAfter?: string;
  /**
   * When the item was distrusted (ISO 8601): it stays in the keyset, as kops keeps it, but is
   * no longer in the trust bundle, so nothing it signed is accepted once readers refresh.
   */
  readonly distrustedAt?: string;
}

export interface Keyset {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KEYSET_KIND;
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly type: KeysetType;
    readonly primaryId: string;
    readonly items: readonly KeysetItem[];
  };
}

const pemText = (label: string) => z.string().regex(new RegExp(`-----BEGIN ${label}-----`), `is not a PEM ${label}`);
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'is not a date');

const ItemSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'is not a keyset item id'),
  certificate: pemText('CERTIFICATE').optional(),
  privateKey: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'is not a PEM private key').optional(),
  publicKey: pemText('PUBLIC KEY').optional(),
  createdAt: isoDate,
  notAfter: isoDate.optional(),
  distrustedAt: isoDate.optional(),
});

const KeysetSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KEYSET_KIND),
  metadata: z.object({ name: z.string().min(1) }),
  spec: z.strictObject({
    type: z.enum(KEYSET_TYPES),
    primaryId: z.string(),
    items: z.array(ItemSchema).min(1),
  }),
});

export interface ParseKeysetOptions {
  /** Where the text came from, for messages (a state-store key). */
  readonly source: string;
  /** The private copy must have every private key; the public copy must have none. */
  readonly private: boolean;
}

/** Parses and checks a keyset document; every problem is a STORE error naming `source`. */
export function parseKeyset(text: string, opts: ParseKeysetOptions): Keyset {
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 0 });
  } catch (e) {
    throw broken(opts.source, `is not YAML: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const parsed = KeysetSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw broken(opts.source, `is not a keyset: ${first ? `${first.path.join('.') || '(document)'}: ${first.message}` : 'invalid'}`);
  }
  const keyset = parsed.data as Keyset;
  const problem = keysetProblem(keyset, opts.private);
  if (problem !== undefined) throw broken(opts.source, problem);
  return keyset;
}

function keysetProblem(k: Keyset, isPrivate: boolean): string | undefined {
  const ids = k.spec.items.map((i) => i.id);
  if (new Set(ids).size !== ids.length) return 'has two items with the same id';
  if (!ids.includes(k.spec.primaryId)) return `names primary ${k.spec.primaryId}, which is not one of its items`;
  for (const item of k.spec.items) {
    if (isPrivate && item.privateKey === undefined) return `item ${item.id} has no private key`;
    // A public copy with a key in it would hand that key to every worker: refuse to use it.
    if (!isPrivate && item.privateKey !== undefined) return `item ${item.id} holds a private key in a public keyset`;
    if (item.distrustedAt !== undefined && item.id === k.spec.primaryId) return `item ${item.id} is the primary but is distrusted`;
    if (k.spec.type === 'ServiceAccountKey' ? item.publicKey === undefined : item.certificate === undefined) {
      return `item ${item.id} has no ${k.spec.type === 'ServiceAccountKey' ? 'public key' : 'certificate'}`;
    }
  }
  return undefined;
}

function broken(source: string, message: string, cause?: unknown): HoistError {
  return new HoistError('STORE', `${source} ${message}`, { cause, hint: 'restore it from a backup of the state store, or remove it to have it created anew (this replaces the key)' });
}

export function keysetToYaml(keyset: Keyset): string {
  return stringify(keyset, { lineWidth: 0 });
}

export function newKeyset(name: string, type: KeysetType, first: KeysetItem): Keyset {
  return { apiVersion: API_VERSION, kind: KEYSET_KIND, metadata: { name }, spec: { type, primaryId: first.id, items: [first] } };
}

/** The item that signs and that new credentials are issued from. */
export function primaryItem(keyset: Keyset): KeysetItem {
  const item = keyset.spec.items.find((i) => i.id === keyset.spec.primaryId);
  if (item === undefined) throw new HoistError('STORE', `keyset ${keyset.metadata.name} has no item ${keyset.spec.primaryId} (its primary)`);
  return item;
}

/** The keyset without any private key: what `pki/issued/` holds and what may be shown. */
export function publicKeyset(keyset: Keyset): Keyset {
  return { ...keyset, spec: { ...keyset.spec, items: keyset.spec.items.map(({ privateKey: _drop, ...rest }) => rest) } };
}

/**
 * Every trusted certificate of the keyset, primary first: the trust bundle. During a rotation it
 * holds the old and new CA, so a client trusts servers whichever of the two signed them; a
 * distrusted item is left out.
 */
export function trustBundle(keyset: Keyset): string {
  const primary = primaryItem(keyset);
  return [primary, ...keyset.spec.items.filter((i) => i !== primary && i.distrustedAt === undefined)].flatMap((i) => (i.certificate ? [i.certificate] : [])).join('');
}

/** Adds an item; it becomes primary only when asked (rotation adds first, promotes later). */
export function withItem(keyset: Keyset, item: KeysetItem, opts: { readonly primary?: boolean } = {}): Keyset {
  if (keyset.spec.items.some((i) => i.id === item.id)) {
    throw new HoistError('ALREADY_EXISTS', `keyset ${keyset.metadata.name} already has an item ${item.id}`);
  }
  return { ...keyset, spec: { ...keyset.spec, primaryId: opts.primary ? item.id : keyset.spec.primaryId, items: [...keyset.spec.items, item] } };
}

export function promoteItem(keyset: Keyset, id: string): Keyset {
  if (requireItem(keyset, id).distrustedAt !== undefined) {
    throw new HoistError('CONFLICT', `item ${id} of keyset ${keyset.metadata.name} is distrusted and cannot become primary`, { hint: `add a new item with: hoist create keypair ${keyset.metadata.name}` });
  }
  return { ...keyset, spec: { ...keyset.spec, primaryId: id } };
}

/** Removes a retired item; the primary cannot be removed (promote another one first). */
export function withoutItem(keyset: Keyset, id: string): Keyset {
  requireItem(keyset, id);
  if (id === keyset.spec.primaryId) {
    throw new HoistError('CONFLICT', `item ${id} is the primary of keyset ${keyset.metadata.name}`, { hint: 'promote another item first' });
  }
  return { ...keyset, spec: { ...keyset.spec, items: keyset.spec.items.filter((i) => i.id !== id) } };
}

/**
 * Marks items distrusted (kops's `distrust keypair`): they stay in the keyset but leave the trust
 * bundle. The primary cannot be distrusted; distrusting an item again keeps its first time.
 */
export function distrustItems(keyset: Keyset, ids: readonly string[], at: Date): Keyset {
  for (const id of ids) {
    requireItem(keyset, id);
    if (id === keyset.spec.primaryId) {
      throw new HoistError('CONFLICT', `item ${id} is the primary of keyset ${keyset.metadata.name} and cannot be distrusted`, { hint: `promote another item first: hoist promote keypair ${keyset.metadata.name}` });
    }
  }
  const when = at.toISOString();
  const items = keyset.spec.items.map((i) => (ids.includes(i.id) && i.distrustedAt === undefined ? { ...i, distrustedAt: when } : i));
  return { ...keyset, spec: { ...keyset.spec, items } };
}

/**
 * The items kops's `distrust keypair NAME` (no ids) distrusts: every trusted item older than the
 * primary, i.e. what the primary replaced. An item added after the primary is left alone.
 */
export function itemsOlderThanPrimary(keyset: Keyset): string[] {
  const primary = primaryItem(keyset);
  const order = (i: KeysetItem) => keyset.spec.items.indexOf(i);
  return keyset.spec.items
    .filter((i) => i !== primary && i.distrustedAt === undefined && (Date.parse(i.createdAt) < Date.parse(primary.createdAt) || (i.createdAt === primary.createdAt && order(i) < order(primary))))
    .map((i) => i.id);
}

function requireItem(keyset: Keyset, id: string): KeysetItem {
  const item = keyset.spec.items.find((i) => i.id === id);
  if (item === undefined) {
    throw new HoistError('NOT_FOUND', `keyset ${keyset.metadata.name} has no item ${id}`, { hint: `list the items with: hoist get keypairs ${keyset.metadata.name} --distrusted` });
  }
  return item;
}
