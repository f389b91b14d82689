/**
 * Field paths as users read them: `spec.subnets[1].cidr`, `metadata.labels["hoist.dev/cluster"]`.
 *
 * Problems about an InstanceGroup carry the group's name before the path
 * (`InstanceGroup/nodes:spec.minSize`) so that one list can hold the problems of a whole spec set.
 * Cluster problems carry no prefix: a spec set has one Cluster.
 */

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The inverse of formatPath; undefined for text that formatPath cannot have written. */
export function parsePath(text: string): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  let rest = text;
  while (rest !== '') {
    const ident = /^\.?([A-Za-z_$][A-Za-z0-9_$]*)/.exec(rest);
    if (ident && (out.length > 0 || !rest.startsWith('.'))) {
      out.push(ident[1] as string);
      rest = rest.slice(ident[0].length);
      continue;
    }
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      out.push(Number(index[1]));
      rest = rest.slice(index[0].length);
      continue;
    }
    const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    if (!quoted) return undefined;
    try {
      out.push(JSON.parse(quoted[1] as string) as string);
    } catch {
      return undefined;
    }
    rest = rest.slice(quoted[0].length);
  }
  return out;
}

const IG_PREFIX = 'InstanceGroup/';

/** `InstanceGroup/<name>:<path>`, the path of a field of one InstanceGroup. */
export function instanceGroupPath(name: string, path: Path): string {
  return `${IG_PREFIX}${name}:${formatPath(path)}`;
}

/** Splits a problem path into the InstanceGroup it names (if any) and the path inside the object. */
export function splitProblemPath(text: string): { readonly instanceGroup?: string; readonly path: string } {
  if (!text.startsWith(IG_PREFIX)) return { path: text };
  const colon = text.indexOf(':', IG_PREFIX.length);
  if (colon < 0) return { path: text };
  return { instanceGroup: text.slice(IG_PREFIX.length, colon), path: text.slice(colon + 1) };
}
