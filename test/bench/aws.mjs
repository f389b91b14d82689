// AWS on moto, with the cluster's state store on s3:// in moto: the wall time, AWS requests and
// state-store requests of a no-change plan (`update cluster`) for a private cluster with 1, 50 and
// 200 node instance groups, and the first apply at 50 groups. Discovery lists each resource type
// once and the store reads every group in three requests, so neither count may grow with the groups.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { tsImport } from 'tsx/esm/api';
import { parse, stringify } from 'yaml';
import { countingProxy, median, moto, report, runHoist, timeHoist, timeHoistAsync } from './lib.mjs';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
/** Measured before the plan-speed work (issue 17): the first apply of 50 groups must not get slower. */
const FIRST_APPLY_50_MS = 15_700;
/** The actions printed per size, by the bytes of their answers (the proxy times each, overlap included). */
const HEAVIEST = 8;

/** An account of its own on moto: its IAM user's keys make moto file every call under it. */
async function account(url) {
  const id = String(randomInt(100_000_000_000, 999_999_999_999));
  const admin = new IAMClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  admin.middlewareStack.add((next) => async (args) => {
    args.request.headers['x-moto-account-id'] = id;
    return next(args);
  }, { step: 'build', name: 'motoAccount' });
  await admin.send(new CreateUserCommand({ UserName: 'bench' }));
  const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'bench' }))).AccessKey;
  admin.destroy();
  const credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  const bucket = `hoist-bench-aws-${randomBytes(4).toString('hex')}`;
  const s3 = new S3Client({ region: 'us-east-1', endpoint: url, forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  return { AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'us-east-1', HOIST_STATE_STORE: `s3://${bucket}/clusters` };
}

function nodeGroups(cluster, count) {
  return Array.from({ length: count }, (_, i) =>
    stringify({
      apiVersion: 'hoist.dev/v1alpha1',
      kind: 'InstanceGroup',
      metadata: { name: `nodes-${String(i).padStart(3, '0')}`, labels: { 'hoist.dev/cluster': cluster } },
      spec: { role: 'Node', minSize: 1, maxSize: 1, subnets: [ZONES[i % ZONES.length]] },
    }),
  ).join('---\n');
}

/** Points the node assets at a stand-in mirror in a folder: the plan pins their checksums there. */
async function useMirror(env, cluster, dir) {
  const api = await tsImport('../../src/api/index.ts', import.meta.url);
  const assets = await tsImport('../../src/assets/index.ts', import.meta.url);
  const standIns = await tsImport('../../cloudup/local/stand-ins/index.ts', import.meta.url);
  const spec = parse(runHoist(['get', 'cluster', cluster, '-o', 'yaml'], env));
  const groups = JSON.parse(runHoist(['get', 'instancegroups', '-o', 'json'], env)).items;
  const url = await standIns.ensureLocalMirror(dir, assets.assetSources(api.completeSpec(spec, groups)));
  runHoist(['replace', '-f', '-'], env, stringify({ ...spec, spec: { ...spec.spec, assets: { fileRepository: url } } }));
}

/** A cluster with `groups` node groups (and its control plane), not applied; returns the env that names it. */
export async function prepareAwsCluster(motoUrl, groups, assetsDir) {
  const cluster = `bench${groups}.aws.example.com`;
  const env = { ...(await account(motoUrl)), HOIST_CLUSTER_NAME: cluster };
  runHoist(['create', 'cluster', cluster, '--cloud', 'aws', '--zones', ZONES.join(','), '--topology', 'private', '--node-count', '0'], env);
  runHoist(['delete', 'instancegroup', 'nodes-us-east-1a', '--yes'], env);
  runHoist(['create', '-f', '-'], env, nodeGroups(cluster, groups));
  await useMirror(env, cluster, assetsDir);
  return { cluster, env };
}

/** A no-change plan: its wall time, and the plan's own counts; throws when the plan has changes. */
export function timePlan(cluster, env) {
  return checkPlan(timeHoist(['update', 'cluster', cluster, '-o', 'json'], env));
}

/** As timePlan, with the event loop free: the counting proxy runs in this process. */
export async function timePlanAsync(cluster, env) {
  return checkPlan(await timeHoistAsync(['update', 'cluster', cluster, '-o', 'json'], env));
}

function checkPlan({ ms, stdout }) {
  const plan = JSON.parse(stdout);
  const acting = plan.changes.filter((c) => c.action !== 'noop');
  if (acting.length > 0) throw new Error(`a plan after apply has changes: ${acting.map((c) => `${c.action} ${c.id}`).join(', ')}`);
  return { ms, tasks: plan.stats.tasks };
}

/**
 * The listings whose items grow with the groups, one of each per group and one for the control
 * plane, and the most items one page of each may carry (AWS's limits, as cloudup/aws/listings asks):
 * past a page, a listing costs one more request, which is the API's, not the plan's, growth. A
 * no-change plan reads no launch template version (each template's tag shows its latest is hoist's).
 */
const PAGED_PER_GROUP = [100 /* Auto Scaling groups described by name */, 100 /* their ownership tags */, 200 /* launch templates */];
function extraPages(groups) {
  return PAGED_PER_GROUP.reduce((n, page) => n + Math.ceil((groups + 1) / page) - 1, 0);
}

export async function benchAws(results, sizes = [1, 50, 200], runs = 5) {
  const server = await moto();
  const proxy = await countingProxy(server.url);
  const dir = mkdtempSync(join(tmpdir(), 'hoist-bench-aws-'));
  try {
    const rows = [];
    for (const groups of sizes) {
      const { cluster, env } = await prepareAwsCluster(server.url, groups, join(dir, 'assets'));
      const applied = timeHoist(['update', 'cluster', cluster, '--yes'], env);
      timePlan(cluster, env); // one warm-up: the file cache, moto's first answers
      const plans = Array.from({ length: runs }, () => timePlan(cluster, env));
      // One more plan through the proxy, which counts the requests hoist sends to each service.
      proxy.reset();
      await timePlanAsync(cluster, { ...env, AWS_ENDPOINT_URL: proxy.url });
      const counted = proxy.counts();
      const load = proxy.load();
      const awsKb = Object.entries(load.bytes).filter(([service]) => service !== 's3').reduce((n, [, b]) => n + b, 0) / 1024;
      const deleted = timeHoist(['delete', 'cluster', cluster, '--yes'], env);
      const aws = Object.entries(counted).filter(([service]) => service !== 's3').reduce((n, [, c]) => n + c, 0);
      const r = { groups, tasks: plans[0].tasks, applyMs: applied.ms, deleteMs: deleted.ms, ms: median(plans.map((p) => p.ms)), aws, store: counted['s3'] ?? 0 };
      rows.push(r);
      // Printed as each size finishes: a failure at a larger size keeps the figures of the smaller.
      console.log(`  ${String(r.groups).padStart(3)} node groups: ${r.tasks} tasks; apply ${(r.applyMs / 1000).toFixed(1)} s, delete ${(r.deleteMs / 1000).toFixed(1)} s; no-change plan ${Math.round(r.ms)} ms (median of ${runs}); ${r.aws} AWS and ${r.store} store requests`);
      // moto answers one request at a time: the time it had requests waiting is its share of the plan.
      const requests = aws + r.store;
      console.log(`      moto (the counted plan): AWS answers ${Math.round(awsKb)} KB; busy ${Math.round(load.busyMs)} ms for ${requests} requests, ${(load.busyMs / requests).toFixed(1)} ms each`);
      // Where the bytes and moto's time go: the actions with the largest answers, and when each
      // was first sent and last answered (ms after the plan's process started): the last to end
      // is the chain the plan waited on.
      const heaviest = Object.entries(load.actions).sort(([, a], [, b]) => b.bytes - a.bytes).slice(0, HEAVIEST);
      for (const [name, a] of heaviest) {
        const span = `${String(Math.round(a.first)).padStart(5)} to ${String(Math.round(a.last)).padStart(5)} ms`;
        console.log(`        ${name.padEnd(44)} ${String(a.requests).padStart(2)} requests ${String(Math.round(a.bytes / 1024)).padStart(5)} KB ${String(Math.round(a.ms)).padStart(5)} ms  ${span}`);
      }
    }
    const first = rows[0];
    for (const r of rows) {
      const allowed = first.aws + extraPages(r.groups) - extraPages(first.groups);
      report(results, `aws no-change plan, ${r.groups} node groups: AWS requests`, r.aws, 'calls', Math.min(40, allowed + 1));
      report(results, `aws no-change plan, ${r.groups} node groups: store requests`, r.store, 'calls', first.store + 1);
    }
    const target = { 50: 1050, 200: 1500 };
    for (const r of rows) report(results, `aws no-change plan, ${r.groups} node groups (median)`, r.ms, 'ms', target[r.groups] ?? 3000);
    const last = rows.at(-1);
    if (rows.length > 1) {
      const perGroup = (last.ms - first.ms) / (last.groups - first.groups);
      report(results, `aws no-change plan, per node group (${first.groups} to ${last.groups})`, perGroup, 'ms', 2);
      for (const r of rows.slice(1)) console.log(`  plan at ${r.groups} groups / plan at ${first.groups}: ${(r.ms / first.ms).toFixed(2)}x`);
    }
    const at50 = rows.find((r) => r.groups === 50);
    if (at50) report(results, 'aws first apply, 50 node groups', at50.applyMs, 'ms', FIRST_APPLY_50_MS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await proxy.stop();
    await server.stop();
  }
}
