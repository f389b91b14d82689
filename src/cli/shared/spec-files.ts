/** Reading spec files given with `-f` and sorting their documents by cluster. */

import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CLUSTER_LABEL, MAX_SPEC_BYTES, instanceGroupPath, parseSpecText } from '../../api/index.js';
import type { Cluster, InstanceGroup, ParsedDocument } from '../../api/index.js';
import type { FieldProblem } from '../../errors.js';
import { HoistError, ValidationError, invalidFlag } from '../../errors.js';
import type { IO } from '../../output/io.js';
import { SPEC_RULES } from '../../../cloudup/providers.js';


export interface FileSpecSet {
  readonly name: string;
  readonly cluster?: Cluster;
  readonly instanceGroups: readonly InstanceGroup[];
}

export async function readSpecFile(io: IO, file: string): Promise<ParsedDocument[]> {
  if (file === '-') return parseSpecText(await io.readStdin(), '<stdin>', SPEC_RULES);
  const path = resolve(io.cwd, file);
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw invalidFlag('--filename', file, 'is not a file', 'name a YAML file, or - for standard input');
    size = s.size;
  } catch (e) {
    if (e instanceof HoistError) throw e;
    throw invalidFlag('--filename', file, 'cannot be read', 'check the path; use - to read standard input');
  }
  if (size > MAX_SPEC_BYTES) {
    throw invalidFlag('--filename', file, `is ${size} bytes, more than the ${MAX_SPEC_BYTES} a spec file may have`, 'split it, or check that it is the right file');
  }
  const text = await readFile(path, 'utf8');
  return parseSpecText(text, file, SPEC_RULES);
}

/** Tells the user, on stderr, what a kops import could not carry over. */
export function reportConversions(io: IO, docs: readonly ParsedDocument[]): void {
  for (const d of docs) {
    if (!d.converted) continue;
    const dropped = d.converted.dropped;
    io.err(`converted ${d.converted.from} ${d.kind} ${d.object.metadata.name}`);
    if (dropped.length === 0) {
      io.err(': every field was carried over\n');
      continue;
    }
    io.err(`; ${dropped.length} field(s) could not be carried over:\n`);
    for (const f of dropped) io.err(`  - ${f.path}: ${f.reason}\n`);
  }
}

/**
 * Groups documents by the cluster they belong to. An InstanceGroup names its cluster with the
 * `hoist.dev/cluster` label; without it, it belongs to the file's only cluster or to `--name`.
 */
export function groupByCluster(docs: readonly ParsedDocument[], fallbackCluster?: string): FileSpecSet[] {
  const problems: FieldProblem[] = [];
  const clusters = new Map<string, { cluster?: Cluster; igs: Map<string, InstanceGroup> }>();
  const entry = (name: string) => {
    let e = clusters.get(name);
    if (!e) clusters.set(name, (e = { igs: new Map() }));
    return e;
  };
  const clusterDocs = docs.filter((d) => d.kind === 'Cluster');
  for (const d of clusterDocs) {
    const e = entry(d.object.metadata.name);
    if (e.cluster) problems.push({ path: 'metadata.name', value: d.object.metadata.name, message: 'names a cluster that the file already defines', fix: 'keep one Cluster document per cluster', ...at(d) });
    e.cluster = d.object as Cluster;
  }
  const only = clusterDocs.length === 1 ? clusterDocs[0]!.object.metadata.name : undefined;
  for (const d of docs) {
    if (d.kind !== 'InstanceGroup') continue;
    const ig = d.object as InstanceGroup;
    const label = ig.metadata.labels?.[CLUSTER_LABEL];
    const owner = label ?? only ?? fallbackCluster;
    if (!owner) {
      problems.push({ path: instanceGroupPath(ig.metadata.name, ['metadata', 'labels']), message: 'does not say which cluster the instance group belongs to', fix: `add the label ${CLUSTER_LABEL}: <cluster>, or pass --name`, ...at(d) });
      continue;
    }
    const e = entry(owner);
    if (e.igs.has(ig.metadata.name)) {
      problems.push({ path: instanceGroupPath(ig.metadata.name, ['metadata', 'name']), value: ig.metadata.name, message: 'names an instance group that the file already defines', fix: 'give each InstanceGroup its own name', ...at(d) });
      continue;
    }
    e.igs.set(ig.metadata.name, withClusterLabel(ig, owner));
  }
  if (problems.length > 0) throw new ValidationError(docs[0]?.source ?? 'the spec file', problems);
  return [...clusters].map(([name, e]) => ({ name, cluster: e.cluster, instanceGroups: [...e.igs.values()] }));
}

function at(d: ParsedDocument): { line: number; column: number } {
  return { line: d.line, column: 1 };
}

/** Stored InstanceGroups always carry their cluster's label, as kops's do. */
export function withClusterLabel(ig: InstanceGroup, cluster: string): InstanceGroup {
  if (ig.metadata.labels?.[CLUSTER_LABEL] === cluster) return ig;
  return { ...ig, metadata: { ...ig.metadata, labels: { ...ig.metadata.labels, [CLUSTER_LABEL]: cluster } } };
}
