/**
 * A whole spec set from one text: parse, group, complete and validate, with every problem (schema
 * or semantic) pointing at its line in the source. What `create -f` and the invalid-spec corpus use.
 */

import { ValidationError } from '../errors.js';
import type { FieldProblem } from '../errors.js';
import type { SpecRulesByCloud } from './cloud-rules.js';
import { parseSpecText } from './parse.js';
import type { ParsedDocument } from './parse.js';
import { parsePath, splitProblemPath } from './paths.js';
import type { Cluster, InstanceGroup } from './schema.js';
import { validateSpecSet } from './validation.js';

export interface ParsedSpecSet {
  readonly cluster: Cluster;
  readonly instanceGroups: InstanceGroup[];
  readonly documents: ParsedDocument[];
}

/** Adds the source line and column to problems whose field is in one of `documents`. */
export function locateProblems(problems: readonly FieldProblem[], documents: readonly ParsedDocument[]): FieldProblem[] {
  return problems.map((p) => {
    if (p.line !== undefined) return p;
    const { instanceGroup, path } = splitProblemPath(p.path);
    const doc = documents.find((d) =>
      instanceGroup === undefined ? d.kind === 'Cluster' : d.kind === 'InstanceGroup' && d.object.metadata.name === instanceGroup,
    );
    const segments = parsePath(path);
    const pos = doc && segments ? doc.locate(segments) : undefined;
    return pos ? { ...p, line: pos.line, column: pos.column } : p;
  });
}

/** Parses a text that holds one Cluster and its InstanceGroups, and validates the set with its cloud's rules. */
export function parseSpecSet(text: string, source: string, rules: SpecRulesByCloud): ParsedSpecSet {
  const documents = parseSpecText(text, source, rules);
  const clusters = documents.filter((d) => d.kind === 'Cluster');
  const problems: FieldProblem[] = [];
  const cluster = clusters[0]?.object;
  if (!cluster) {
    throw new ValidationError(source, [{ path: source, message: 'holds no Cluster document', fix: 'add the Cluster the InstanceGroups belong to' }]);
  }
  clusters.slice(1).forEach((d) => problems.push({ path: 'metadata.name', value: d.object.metadata.name, message: 'is a second Cluster in the same file', fix: 'keep one Cluster per file', line: d.line, column: 1 }));
  const instanceGroups = documents.flatMap((d) => (d.kind === 'InstanceGroup' ? [d.object] : []));
  problems.push(...locateProblems(validateSpecSet(cluster, instanceGroups, rules[cluster.spec.cloudProvider]), documents));
  if (problems.length > 0) throw new ValidationError(source, problems);
  return { cluster, instanceGroups, documents };
}
