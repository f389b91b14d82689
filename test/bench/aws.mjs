// AWS on moto: the calls and wall time of a no-change plan (`update cluster`) for a private
// cluster with 5, 20 and 50 node instance groups. Discovery lists each resource type once, so
// the calls must not grow with the groups (target: under 40 at 50 groups).
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { tsImport } from 'tsx/esm/api';
import { parse, stringify } from 'yaml';
import { median, moto, report, runHoist, timeHoist } from './lib.mjs';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

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
      metadata: { name: `nodes-${String(i).padStart(2, '0')}`, labels: { 'hoist.dev/cluster': cluster } },
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

export async function benchAws(results, sizes = [5, 20, 50], runs = 3) {
  const server = await moto();
  const dir = mkdtempSync(join(tmpdir(), 'hoist-bench-aws-'));
  try {
    const rows = [];
    for (const groups of sizes) {
      const cluster = `bench${groups}.aws.example.com`;
      const env = { ...(await account(server.url)), HOIST_CLUSTER_NAME: cluster };
      runHoist(['create', 'cluster', cluster, '--cloud', 'aws', '--zones', ZONES.join(','), '--topology', 'private', '--node-count', '0'], env);
      runHoist(['delete', 'instancegroup', 'nodes-us-east-1a', '--yes'], env);
      runHoist(['create', '-f', '-'], env, nodeGroups(cluster, groups));
      await useMirror(env, cluster, join(dir, 'assets'));
      const applied = timeHoist(['update', 'cluster', cluster, '--yes'], env);
      const plans = Array.from({ length: runs }, () => {
        const { ms, stdout } = timeHoist(['update', 'cluster', cluster, '-o', 'json'], env);
        const plan = JSON.parse(stdout);
        const acting = plan.changes.filter((c) => c.action !== 'noop');
        if (acting.length > 0) throw new Error(`a plan after apply has changes: ${acting.map((c) => `${c.action} ${c.id}`).join(', ')}`);
        return { ms, calls: plan.stats.apiCalls, tasks: plan.stats.tasks };
      });
      const deleted = timeHoist(['delete', 'cluster', cluster, '--yes'], env);
      rows.push({ groups, applyMs: applied.ms, deleteMs: deleted.ms, ...plans[0], ms: median(plans.map((p) => p.ms)) });
    }
    for (const r of rows) {
      console.log(`  ${String(r.groups).padStart(2)} node groups: ${r.tasks} tasks; apply ${(r.applyMs / 1000).toFixed(1)} s, delete ${(r.deleteMs / 1000).toFixed(1)} s`);
    }
    for (const r of rows) report(results, `aws no-change plan, ${r.groups} node groups: API calls`, r.calls, 'calls', 40);
    for (const r of rows) report(results, `aws no-change plan, ${r.groups} node groups (median)`, r.ms, 'ms', 3000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}
