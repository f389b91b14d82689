/**
 * The patch types the API server accepts on update: JSON merge patch (RFC 7386) and
 * Kubernetes's strategic merge patch, for the lists and directives kubectl and hoist send:
 * lists of objects merge by their Kubernetes merge key (containers by name, conditions by
 * type …), `finalizers` merges as a set, every other list is replaced; `$patch: replace |
 * delete | merge`, `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
 * `$setElementOrder/<field>` are honoured.
 */

type Json = unknown;
type JsonMap = Record<string, Json>;

const isMap = (v: Json): v is JsonMap => v !== null && typeof v === 'object' && !Array.isArray(v);

export function jsonMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return patch;
  const out: JsonMap = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

/** The merge key of the lists that merge rather than replace, by field name (as in the Kubernetes types). */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  addresses: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  taints: 'key',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};
/** Primitive lists that merge as sets. */
const SET_LISTS: ReadonlySet<string> = new Set(['finalizers']);

function mergeKeyOf(field: string, items: readonly Json[]): string | undefined {
  // Container ports merge by containerPort, service ports by port: the same field name.
  if (field === 'ports') return items.some((i) => isMap(i) && 'containerPort' in i) ? 'containerPort' : 'port';
  return MERGE_KEYS[field];
}

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return patch;
  return mergeMap(isMap(target) ? target : {}, patch);
}

function mergeMap(target: JsonMap, patch: JsonMap): Json {
  const directive = patch.$patch;
  const clean = withoutDirectives(patch);
  if (directive === 'replace') return clean;
  if (directive === 'delete') return undefined;
  const out: JsonMap = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      const list = out[field];
      if (Array.isArray(list)) out[field] = list.filter((x) => !drop.has(JSON.stringify(x)));
    }
  }
  for (const [k, v] of Object.entries(clean)) {
    if (v === null) {
      delete out[k];
      continue;
    }
    const current = out[k];
    if (Array.isArray(v)) out[k] = mergeList(k, Array.isArray(current) ? current : [], v);
    else if (isMap(v)) {
      const merged = mergeMap(isMap(current) ? current : {}, v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function withoutDirectives(patch: JsonMap): JsonMap {
  return Object.fromEntries(Object.entries(patch).filter(([k]) => !k.startsWith('$')));
}

function mergeList(field: string, target: readonly Json[], patch: readonly Json[]): Json[] {
  if (patch.length === 1 && isMap(patch[0]) && patch[0].$patch === 'replace') return [];
  if (SET_LISTS.has(field)) {
    const out = [...target];
    for (const v of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
    return out;
  }
  const key = mergeKeyOf(field, [...target, ...patch]);
  if (key === undefined || !patch.every(isMap)) return patch.filter((x) => !(isMap(x) && x.$patch !== undefined));
  const out: Json[] = [...target];
  for (const item of patch as JsonMap[]) {
    const at = out.findIndex((x) => isMap(x) && x[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at < 0) out.push(withoutDirectives(item));
    else {
      const merged = mergeMap(out[at] as JsonMap, item);
      if (merged === undefined) out.splice(at, 1);
      else out[at] = merged;
    }
  }
  return out;
}
