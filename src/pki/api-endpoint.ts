/**
 * The API server URL a kubeconfig points at, on a cloud that reaches the API by its DNS name.
 * A cloud that assigns the API's address itself (the local cloud) answers through its
 * provider (cloudup/providers.ts, `apiServerUrl`).
 */

import type { CompletedSpec } from '../api/index.js';
import { internalApiName } from './requests.js';

export const API_SERVER_PORT = 6443;

/** `internal`: the name only the cluster's own network resolves (`api.internal.<cluster>`). */
export function apiServerUrlFromSpec(spec: CompletedSpec, opts: { readonly internal?: boolean } = {}): string {
  const c = spec.cluster;
  return `https://${opts.internal ? internalApiName(c.metadata.name) : c.spec.api.publicName}`;
}
