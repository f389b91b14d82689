/**
 * Reading spec text: YAML documents → checked Cluster and InstanceGroup objects.
 *
 * Every problem of the text is reported at once, each with its field path and its line and
 * column in the source. Input is untrusted (a file, stdin, an edited buffer): size is bounded
 * before parsing, alias expansion is bounded (billion-laughs documents), and nothing but a
 * HoistError ever leaves this module.
 */

import { Composer, LineCounter, Parser } from 'yaml';
import type { Document } from 'yaml';
import type * as z from 'zod';
import { HoistError, ValidationError } from '../errors.js';
import type { FieldProblem } from '../errors.js';
import type { SpecRulesByCloud } from './cloud-rules.js';
import { convertKopsDocument, KOPS_API_VERSION } from './kops.js';
import type { ConversionReport, Rename } from './kops.js';
import { issueProblems, nearest } from './issues.js';
import type { LocalProblem } from './issues.js';
import { clusterNameProblems, instanceGroupNameProblems } from './names.js';
import { expandLists, isAdditionalObject, withAdditionalObjects } from './parse-objects.js';
import { formatPath, instanceGroupPath } from './paths.js';
import type { Path } from './paths.js';
import { API_VERSION, CLUSTER_LABEL, ClusterSchema, InstanceGroupSchema, KINDS } from './schema.js';
import type { Cluster, InstanceGroup, Kind } from './schema.js';
import { locate, writtenAt } from './yaml-locate.js';
import type { Position } from './yaml-locate.js';
import { MAX_YAML_DEPTH, tooDeepAt } from './yaml-depth.js';
import { yamlProblems } from './yaml-problems.js';
import { dropUnreadNodeTerminationHandler } from './node-termination-handler.js';

/** No spec comes near this; larger input is refused before it is parsed. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** Bounds alias expansion: a few aliases are normal, thousands are an attack. */
const MAX_ALIAS_COUNT = 100;

interface ParsedBase {
  readonly source: string;
  /** 0-based index of the document in the text. */
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  /** Present when the document was a kops document converted on the way in. */
  readonly converted?: ConversionReport;
  /** Line and column of a field of this document, by its path inside the document. */
  readonly locate: (path: Path) => Position | undefined;
}

export interface ParsedCluster extends ParsedBase {
  readonly kind: 'Cluster';
  readonly object: Cluster;
}

export interface ParsedInstanceGroup extends ParsedBase {
  readonly kind: 'InstanceGroup';
  readonly object: InstanceGroup;
}

export type ParsedDocument = ParsedCluster | ParsedInstanceGroup;

/**
 * The documents of a spec text a user gives (a file, stdin, an edited buffer). kops documents
 * are converted, and then adjusted by their cloud's rules (`rules`, every cloud's, from the
 * registry): what hoist cannot use on the cloud is dropped and reported.
 */
export function parseSpecText(text: string, source: string, rules: SpecRulesByCloud): ParsedDocument[] {
  return guarded(source, () => parseUnchecked(text, source, rules));
}

/**
 * An object hoist wrote to the state store. hoist stores its own apiVersion only, so a kops
 * document there is refused rather than imported: the import belongs to the commands that
 * accept a user's spec, which validate it with the cloud's rules before it is stored.
 */
export function parseStoredText(text: string, source: string): ParsedDocument[] {
  return guarded(source, () => parseUnchecked(text, source, undefined));
}

function guarded(source: string, parse: () => ParsedDocument[]): ParsedDocument[] {
  try {
    return parse();
  } catch (e) {
    if (e instanceof HoistError) throw e;
    throw new HoistError('INTERNAL', `${source} could not be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e, user: false });
  }
}

/** `kops` undefined: only hoist's own apiVersion is read. */
function parseUnchecked(text: string, source: string, kops: SpecRulesByCloud | undefined): ParsedDocument[] {
  if (typeof text !== 'string') throw new ValidationError(source, [{ path: source, message: 'is not text' }]);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) {
    throw new ValidationError(source, [{
      path: source,
      message: `is ${bytes} bytes; a spec may have at most ${MAX_SPEC_BYTES} (1 MiB)`,
      fix: 'check that it is the right file, or split it',
    }]);
  }
  const counter = new LineCounter();
  const docs = readYaml(text, source, counter);
  const problems: FieldProblem[] = [];
  const found: ParsedDocument[] = [];
  const objects: { object: Record<string, unknown>; line: number; check: () => DocumentResult }[] = [];
  for (const { value, base, from } of expandLists(toValues(docs, source, counter).map((v) => ({ value: v.value, from: v })))) {
    const { doc, index, line } = from;
    const check = () => checkDocument(doc, value, base, counter, source, index, line, kops !== undefined);
    if (isAdditionalObject(value)) {
      objects.push({ object: value, line: locate(doc, counter, base)?.line ?? line, check });
      continue;
    }
    const result = check();
    problems.push(...result.problems);
    if (result.parsed) found.push(result.parsed);
  }
  // A text of other kinds only is not a spec file: say which kinds hoist reads.
  const orphaned = found.length === 0 && problems.length === 0;
  if (orphaned) for (const o of objects) problems.push(...o.check().problems);
  const { docs: parsed, problems: orphans } = orphaned ? { docs: found, problems: [] } : withAdditionalObjects(found, objects);
  problems.push(...orphans);
  if (problems.length > 0) throw new ValidationError(source, problems, 'INVALID_SPEC');
  if (parsed.length === 0) {
    throw new ValidationError(source, [{
      path: source,
      message: 'holds no Cluster or InstanceGroup document (it is empty or only comments)',
      fix: `write one, starting with "apiVersion: ${API_VERSION}"; \`hoist create cluster NAME --dry-run -o yaml\` prints an example`,
    }]);
  }
  return kops ? forTheirClouds(parsed, kops) : parsed;
}

function readYaml(text: string, source: string, counter: LineCounter): Document.Parsed[] {
  let docs: Document.Parsed[];
  try {
    const tokens = [...new Parser(counter.addNewLine).parse(text)];
    const deep = tooDeepAt(tokens);
    if (deep !== undefined) {
      const pos = counter.linePos(deep);
      throw new ValidationError(source, [{ path: source, message: `nests more than ${MAX_YAML_DEPTH} levels deep`, fix: 'check that it is a spec file: specs nest about 8 levels', line: pos.line, column: pos.col }], 'INVALID_YAML');
    }
    docs = [...new Composer({ uniqueKeys: true }).compose(tokens, false, text.length)];
  } catch (e) {
    if (e instanceof HoistError) throw e;
    // The parser recurses on nesting; absurdly deep input ends here.
    throw new ValidationError(source, [{ path: source, message: `could not be parsed as YAML (${e instanceof Error ? e.message : String(e)})`, fix: 'check that it is a YAML spec file' }], 'INVALID_YAML');
  }
  const problems = docs.flatMap((d) => yamlProblems(d.errors, source, counter));
  if (problems.length > 0) throw new ValidationError(source, problems, 'INVALID_YAML');
  return docs;
}

interface DocumentResult {
  readonly problems: FieldProblem[];
  readonly parsed?: ParsedDocument;
}

interface DocumentValue {
  readonly doc: Document.Parsed;
  readonly index: number;
  readonly line: number;
  readonly value: unknown;
}

/** The documents' values, skipping empty documents; alias bombs are refused here. */
function toValues(docs: readonly Document.Parsed[], source: string, counter: LineCounter): DocumentValue[] {
  const values: DocumentValue[] = [];
  const problems: FieldProblem[] = [];
  docs.forEach((doc, index) => {
    if (doc.contents === null) return;
    const line = counter.linePos(doc.contents.range[0]).line;
    try {
      const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      // A document of only comments has a null value: it is as empty as no document.
      if (value !== null && value !== undefined) values.push({ doc, index, line, value });
    } catch (e) {
      const aliases = e instanceof Error && /alias/i.test(e.message);
      problems.push({
        path: source,
        message: `document ${index + 1} ${aliases ? 'expands too many aliases (a YAML "billion laughs" document?)' : 'could not be read'}`,
        fix: 'write the values out instead of repeating aliases',
        line,
        column: 1,
      });
    }
  });
  if (problems.length > 0) throw new ValidationError(source, problems, 'INVALID_YAML');
  return values;
}

/** `base`: where the value sits in its YAML document (an item of a List). */
function checkDocument(doc: Document.Parsed, value: unknown, base: Path, counter: LineCounter, source: string, index: number, line: number, kops: boolean): DocumentResult {
  const at = (path: Path, atKey = false) => locate(doc, counter, [...base, ...path], atKey);
  const head = checkHead(value, at, kops);
  if ('problems' in head) return { problems: head.problems.map((p) => ({ ...p, ...(p.line === undefined ? { line, column: 1 } : {}) })) };
  const { kind, object: raw } = head;
  const name = nameOf(raw);
  const prefix = (p: Path) => (kind === 'InstanceGroup' ? instanceGroupPath(name ?? '?', p) : formatPath(p));

  let object = raw;
  let converted: ConversionReport | undefined;
  let renames: readonly Rename[] = [];
  if (raw['apiVersion'] === KOPS_API_VERSION) {
    const conversion = convertKopsDocument(kind, raw);
    object = conversion.object;
    converted = conversion.report;
    renames = conversion.renames;
  }
  const locateField = (path: Path, atKey = false) => at(toSourcePath(path, renames), atKey);
  const schema: z.ZodType = kind === 'Cluster' ? ClusterSchema : InstanceGroupSchema;
  const result = schema.safeParse(object);
  const written = (path: Path) => writtenAt(doc, [...base, ...toSourcePath(path, renames)]);
  const local: LocalProblem[] = result.success ? [] : result.error.issues.flatMap((i) => issueProblems(i, schema, object, written));
  if (typeof name === 'string') {
    const names = kind === 'Cluster' ? clusterNameProblems(name, 'metadata.name') : instanceGroupNameProblems(name, 'metadata.name');
    local.push(...names.map(({ path: _p, ...problem }) => ({ at: ['metadata', 'name'], problem })));
  }
  const problems = local
    .map((p) => ({ ...p.problem, path: prefix(p.at), ...locateField(p.at, p.atKey) }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (problems.length > 0 || !result.success) return { problems };
  const common = { source, index, line, locate: (p: Path) => locateField(p), ...(converted ? { converted } : {}) };
  const parsed: ParsedDocument =
    kind === 'Cluster' ? { ...common, kind, object: result.data as Cluster } : { ...common, kind, object: result.data as InstanceGroup };
  return { problems: [], parsed };
}

/**
 * Converted kops documents adjusted by their cluster's cloud. Only the cluster tells the cloud:
 * an InstanceGroup belongs to the Cluster its label names, else to the text's first Cluster (a
 * text without one is not adjusted).
 */
function forTheirClouds(parsed: readonly ParsedDocument[], rules: SpecRulesByCloud): ParsedDocument[] {
  const clusters = parsed.flatMap((d) => (d.kind === 'Cluster' ? [d.object] : []));
  const cloudOf = (name: string | undefined) => (clusters.find((c) => c.metadata.name === name) ?? clusters[0])?.spec.cloudProvider;
  return parsed.map((written): ParsedDocument => {
    const d = withoutUnreadFields(written, rules);
    const cloud = d.kind === 'Cluster' ? d.object.spec.cloudProvider : cloudOf(d.object.metadata.labels?.[CLUSTER_LABEL]);
    const kops = cloud === undefined ? undefined : rules[cloud].fromKops;
    if (!d.converted || !kops) return d;
    if (d.kind === 'Cluster') {
      const { object, report } = kops.cluster({ object: d.object, report: d.converted });
      return { ...d, object, converted: report };
    }
    const { object, report } = kops.instanceGroup({ object: d.object, report: d.converted });
    return { ...d, object, converted: report };
  });
}

/** A converted kops Cluster without the fields kops ignores on its cloud, each reported. */
function withoutUnreadFields(d: ParsedDocument, rules: SpecRulesByCloud): ParsedDocument {
  if (d.kind !== 'Cluster' || !d.converted) return d;
  const { object, report } = dropUnreadNodeTerminationHandler({ object: d.object, report: d.converted }, rules[d.object.spec.cloudProvider]);
  return { ...d, object, converted: report };
}

type Head = { kind: Kind; object: Record<string, unknown> } | { problems: FieldProblem[] };

/** apiVersion and kind decide everything else, so they are checked first. */
function checkHead(value: unknown, at: (p: Path, atKey?: boolean) => Position | undefined, kops: boolean): Head {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ path: 'apiVersion', value: typeof value === 'object' ? undefined : value, message: 'the document is not a mapping of fields', fix: `start it with "apiVersion: ${API_VERSION}" and "kind: Cluster" or "kind: InstanceGroup"`, ...at([]) }] };
  }
  const object = value as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const apiVersion = object['apiVersion'];
  if (apiVersion !== API_VERSION && (!kops || apiVersion !== KOPS_API_VERSION)) {
    problems.push({
      path: 'apiVersion',
      value: apiVersion,
      message: apiVersion === undefined ? 'is required' : apiVersion === KOPS_API_VERSION ? 'is a kops document, which the state store never holds' : 'is not an apiVersion hoist reads',
      fix: kops ? `use apiVersion: ${API_VERSION} (or ${KOPS_API_VERSION} to import a kops spec)` : `use apiVersion: ${API_VERSION}; import a kops spec with hoist create -f`,
      ...at(['apiVersion']),
    });
  }
  const kind = object['kind'];
  if (!KINDS.includes(kind as Kind)) {
    const guess = typeof kind === 'string' ? nearest(kind, KINDS) : undefined;
    problems.push({
      path: 'kind',
      value: kind,
      message: kind === undefined ? 'is required' : 'is not a kind hoist reads',
      fix: guess ? `did you mean ${guess}?` : `use kind: ${KINDS.join(' or kind: ')}`,
      ...at(['kind']),
    });
  }
  return problems.length > 0 ? { problems } : { kind: kind as Kind, object };
}

function nameOf(object: Record<string, unknown>): string | undefined {
  const metadata = object['metadata'];
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const name = (metadata as Record<string, unknown>)['name'];
  return typeof name === 'string' ? name : undefined;
}

/** A hoist path of a converted document back to the kops path it came from. */
function toSourcePath(path: Path, renames: readonly Rename[]): Path {
  for (const r of renames) {
    if (r.to.every((s, i) => path[i] === s)) return [...r.from, ...path.slice(r.to.length)];
  }
  return path;
}
