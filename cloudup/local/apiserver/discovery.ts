/**
 * Discovery documents, from the resource table: `/api`, `/apis`, `/api/v1` and
 * `/apis/<group>/<version>`, and `/version`. Only the legacy (unaggregated) discovery is
 * served: clients that ask for aggregated discovery first (kubectl 1.26+) read the plain
 * content type of the answer and fall back to it, as they do with older servers.
 */

import { RESOURCES, groupVersion, groupVersions, verbsOf } from './resources.js';
import type { Resource } from './resources.js';

type JsonMap = Record<string, unknown>;

export function apiVersions(serverAddress: string): JsonMap {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** One group's entry: its versions in table order (a CRD's as its spec lists them), the first preferred. */
function groupEntry(group: string, resources: readonly Resource[]): JsonMap {
  const versions = groupVersions(resources)
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: groupVersion(gv), version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(resources: readonly Resource[] = RESOURCES): JsonMap {
  const groups = [...new Set(groupVersions(resources).map((gv) => gv.group))].filter((g) => g !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => groupEntry(g, resources)) };
}

export function apiGroup(group: string, resources: readonly Resource[] = RESOURCES): JsonMap | undefined {
  if (group === '' || !resources.some((r) => r.group === group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, resources) };
}

export function apiResourceList(group: string, version: string, all: readonly Resource[] = RESOURCES): JsonMap | undefined {
  const resources = all.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: resources.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: verbsOf(r),
        ...(r.shortNames === undefined ? {} : { shortNames: r.shortNames }),
        ...(r.categories === undefined ? {} : { categories: r.categories }),
      },
      ...(r.subresources ?? []).map((sub) => ({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: sub === 'eviction' ? 'Eviction' : r.kind,
        ...(sub === 'eviction' ? { group: 'policy', version: 'v1' } : {}),
        verbs: sub === 'eviction' ? ['create'] : ['get', 'patch', 'update'],
      })),
    ]),
  };
}

export function versionInfo(version: string): JsonMap {
  const [major = '1', minor = '0'] = version.replace(/^v/, '').split('.');
  return {
    major,
    minor,
    gitVersion: `v${version.replace(/^v/, '')}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: 'hoist',
    compiler: 'hoist',
    platform: `${process.platform}/${process.arch}`,
  };
}
