/**
 * `create -f`, `replace -f` and `apply -f` differ only in what they allow to exist already;
 * they share this: read and check the whole file first, then save cluster by cluster.
 */

import type { InstanceGroup, ParsedDocument } from '../../api/index.js';
import { AlreadyExistsError, NotFoundError } from '../../errors.js';
import type { SpecSet, StoredSpecSet } from '../../../state-store/clientset.js';
import { plain } from '../../../state-store/clientset.js';
import type { Context } from '../context.js';
import { validateSpecChange, saveSpecSet, specChange } from './save-specs.js';
import type { FileSpecSet } from './spec-files.js';
import { groupByCluster, readSpecFile, reportConversions } from './spec-files.js';

/** create: nothing may exist; replace: everything must exist (unless force); apply: either. */
export type WriteMode = 'create' | 'replace' | 'apply';

interface Planned {
  readonly group: FileSpecSet;
  readonly before: StoredSpecSet | undefined;
  readonly after: SpecSet;
}

export async function writeFileSpecs(ctx: Context, file: string | undefined, mode: WriteMode, force = false): Promise<number> {
  if (!file) {
    throw new NotFoundError('no spec file given', `pass -f FILE (or -f - for standard input), e.g. hoist ${mode} -f cluster.yaml`);
  }
  const docs = await readSpecFile(ctx.io, file);
  const groups = groupByCluster(docs, ctx.global.name ?? ctx.io.env.HOIST_CLUSTER_NAME);
  for (const g of groups) ctx.clusterName(g.name);
  const clients = await ctx.clientset();
  const stored = await Promise.all(groups.map((g) => clients.getSpecSet(g.name)));

  // Check every group before saving any, so a bad second cluster does not leave the first saved.
  const planned: Planned[] = groups.map((group, i) => {
    const before = stored[i];
    checkExistence(mode, force, group, before);
    const after = merge(group, before);
    validateSpecChange(before ? plain(before) : undefined, after, docs.filter((d) => belongsTo(d, group)));
    return { group, before, after };
  });

  reportConversions(ctx.io, docs);
  for (const p of planned) {
    const change = specChange(p.group.name, p.before, p.after);
    const rev = await saveSpecSet(ctx, { cluster: p.group.name, before: p.before, after: p.after, operation: `${mode} -f` });
    const verb = (touched: boolean, existed: boolean) => (!touched || rev === undefined ? 'unchanged' : existed ? 'configured' : 'created');
    if (p.group.cluster) ctx.io.out(`cluster/${p.group.name} ${verb(change.putCluster !== undefined, p.before !== undefined)}\n`);
    for (const ig of p.group.instanceGroups) {
      const existed = p.before?.instanceGroups.some((v) => v.object.metadata.name === ig.metadata.name) ?? false;
      const touched = change.putInstanceGroups?.some((w) => w.object.metadata.name === ig.metadata.name) ?? false;
      ctx.io.out(`instancegroup/${ig.metadata.name} ${verb(touched, existed)}\n`);
    }
  }
  return 0;
}

function belongsTo(d: ParsedDocument, group: FileSpecSet): boolean {
  return d.kind === 'Cluster' ? d.object.metadata.name === group.name : group.instanceGroups.some((ig) => ig.metadata.name === d.object.metadata.name);
}

function checkExistence(mode: WriteMode, force: boolean, group: FileSpecSet, before: StoredSpecSet | undefined): void {
  const name = group.name;
  const hasIg = (ig: InstanceGroup) => before?.instanceGroups.some((v) => v.object.metadata.name === ig.metadata.name) ?? false;
  if (!group.cluster && !before) {
    throw new NotFoundError(`cluster ${name} does not exist, and the file has no Cluster document for it`, 'add the Cluster document to the file, or create the cluster first');
  }
  if (mode === 'create') {
    if (group.cluster && before) throw new AlreadyExistsError(`cluster ${name} already exists`, `use hoist replace -f or hoist apply -f to change it`);
    const existing = group.instanceGroups.find(hasIg);
    if (existing) throw new AlreadyExistsError(`instance group ${existing.metadata.name} of cluster ${name} already exists`, 'use hoist replace -f or hoist apply -f to change it');
  }
  if (mode === 'replace' && !force) {
    if (group.cluster && !before) throw new NotFoundError(`cluster ${name} does not exist`, 'use hoist create -f, or replace --force to create what is missing');
    const missing = group.instanceGroups.find((ig) => !hasIg(ig));
    if (missing) throw new NotFoundError(`instance group ${missing.metadata.name} of cluster ${name} does not exist`, 'use hoist create -f, or replace --force to create what is missing');
  }
}

/** The file's objects over the stored ones; objects the file does not mention are kept. */
function merge(group: FileSpecSet, before: StoredSpecSet | undefined): SpecSet {
  const igs = new Map((before?.instanceGroups ?? []).map((v) => [v.object.metadata.name, v.object]));
  for (const ig of group.instanceGroups) igs.set(ig.metadata.name, ig);
  const cluster = group.cluster ?? before!.cluster.object;
  return { cluster, instanceGroups: [...igs.values()] };
}
