/**
 * Discovery documents, from the resource table: `/api`, `/apis`, `/api/v1` and
 * `/apis/<group>/<version>`, and `/version`. Only the legacy (unaggregated) discovery is
 * served: clients that ask for aggregated discovery first (kubectl 1.26+) read the plain
 * content type of the answer and fall back to it, as they do with older servers.
 */

import { RESOURCES, groupVersion, groupVersions, verbsOf } from './resources.js';

type JsonMap = Record<string, unknown>;

export function apiVersions(serverAddress: string): JsonMap {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(): JsonMap {
  const groups = groupVersions().filter((gv) => gv.group !== '');
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((gv) => {
      const v = { groupVersion: groupVersion(gv), version: gv.version };
      return { name: gv.group, versions: [v], preferredVersion: v };
    }),
  };
}

export function apiGroup(group: string): JsonMap | undefined {
  const gv = groupVersions().find((g) => g.group === group && group !== '');
  if (gv === undefined) return undefined;
  const v = { groupVersion: groupVersion(gv), version: gv.version };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [v], preferredVersion: v };
}

export function apiResourceList(group: string, version: string): JsonMap | undefined {
  const resources = RESOURCES.filter((r) => r.group === group && r.version === version);
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
