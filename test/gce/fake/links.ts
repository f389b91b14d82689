/**
 * Resource paths and links. Compute accepts a reference as a full URL, as `projects/P/…`, or as
 * a path relative to the project (`global/networks/N`); it answers with full URLs (selfLinks).
 */

import { invalid } from './errors.js';

/** What the real API puts in front of every selfLink, wherever it is reached. */
export const LINK_BASE = 'https://www.googleapis.com/compute/v1/';

export interface Scope {
  readonly kind: 'global' | 'region' | 'zone';
  /** The region or zone; '' for global. */
  readonly name: string;
}

export const GLOBAL: Scope = { kind: 'global', name: '' };

export function scopePath(project: string, scope: Scope): string {
  if (scope.kind === 'global') return `projects/${project}/global`;
  return `projects/${project}/${scope.kind === 'region' ? 'regions' : 'zones'}/${scope.name}`;
}

/** `projects/P/zones/Z/instances` */
export function collectionPath(project: string, scope: Scope, collection: string): string {
  return `${scopePath(project, scope)}/${collection}`;
}

export function link(path: string): string {
  return `${LINK_BASE}${path}`;
}

/** A full URL or partial reference as `projects/P/…`; throws 400 for what is not a reference. */
export function resolveRef(project: string, ref: unknown, field: string): string {
  if (typeof ref !== 'string' || ref === '') throw invalid(field, ref, 'Expected a resource reference.');
  let path = ref;
  const url = /^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\/(.*)$/.exec(ref);
  if (url) path = url[1]!;
  else if (/^https?:/.test(ref)) throw invalid(field, ref, 'The URL is malformed.');
  if (/^(global|regions|zones)\//.test(path)) path = `projects/${project}/${path}`;
  if (!/^projects\/[^/]+\/(global|regions\/[^/]+|zones\/[^/]+)\/[a-zA-Z]+\/[^/]+$/.test(path)) throw invalid(field, ref, 'The URL is malformed.');
  return path;
}

/** The last segment of a path: the name of what it points at. */
export function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The region of a zone name: `us-central1-a` is in `us-central1`. */
export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}
