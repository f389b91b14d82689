/**
 * The API of an IPv6 cluster on AWS, as kops makes it: a dual-stack network load balancer
 * (`IpAddressType: dualstack`) and an AAAA alias record beside each A alias record of
 * `api.<cluster>` and `api.internal.<cluster>`. The model: IPv4 clusters keep their tasks as
 * before, `topology.dns.type: None` makes no records, a load balancer in a shared subnet without
 * an IPv6 range stays IPv4, and AAAA records an IPv4 cluster does not want are deleted. On moto,
 * through the CLI: applied, read back, no change on a second plan; a cluster whose load balancer
 * and records an earlier hoist made IPv4 only gets `SetIpAddressType` in place and the AAAA
 * records, then no change; `delete cluster` takes the records too. The Terraform output has
 * `ip_address_type = "dualstack"` and the AAAA aliases; terraform validates it, and applies the
 * API's part of it (`-target` the records: the load balancer, its subnets and the VPC) on moto,
 * after which its plan has no change.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, SetIpAddressTypeCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec, validateSpecSet } from '../../src/api/index.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { LiveObject, Task } from '../../src/engine/task.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { elbName } from '../../cloudup/aws/names.js';
import { AWS_KINDS } from '../../cloudup/aws/tasks/index.js';
import { SPEC_RULES, specRulesOf } from '../../cloudup/providers.js';
import { tfName } from '../../src/engine/target-terraform.js';
import { testBoot } from '../support/boot.js';
import { hoist, tempDir } from '../support/cli.js';
import { validateModule } from '../terraform/terraform.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const boot = testBoot({ stateStore: 's3://state/clusters', configHash: (ig: string) => `sha256:${ig}` });

interface Shape {
  readonly ipv6?: boolean;
  readonly dns?: 'None';
  /** The first zone's Utility subnet given by id, without an IPv6 range in the spec. */
  readonly sharedUtility?: boolean;
}

/** The model tests' cluster; `ipv6`: with kops's IPv6 fields, as `create cluster --ipv6` writes them. */
function spec(shape: Shape = {}) {
  const s = newClusterSpec({ name: 'six.example.com', cloud: 'aws', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', ...(shape.dns === 'None' ? { dnsType: 'None' as const } : { dnsZone: 'example.com' }) }, SPEC_RULES);
  const c = s.cluster.spec;
  const subnets = c.subnets.map((x, i) =>
    shape.sharedUtility === true && x.type === 'Utility' && x.zone === 'us-east-1a' ? { name: x.name, zone: x.zone, type: x.type, id: 'subnet-0abc' } : shape.ipv6 === true ? { ...x, ipv6CIDR: `/64#${i}` } : x,
  );
  const v6 = shape.ipv6 === true ? { nonMasqueradeCIDR: '::/0', networking: { cilium: {} } } : {};
  const shared = shape.sharedUtility === true ? { networkID: 'vpc-0abc' } : {};
  const set = completeSpec({ ...s.cluster, spec: { ...c, ...v6, ...shared, subnets } }, s.instanceGroups);
  expect(validateSpecSet(set.cluster, set.instanceGroups, specRulesOf('aws'))).toEqual([]);
  return set;
}

const byId = (tasks: readonly Task[]) => new Map(tasks.map((t) => [`${t.kind}/${t.name}`, t]));
const records = (tasks: readonly Task[]) => tasks.filter((t) => t.kind === 'DNSRecord').map((t) => `${t.name} ${String(t.desired['type'])}`).sort();

describe('the model of an IPv6 cluster\'s API', () => {
  it('makes the load balancer dual-stack and adds an AAAA alias beside each A alias, named as kops names them', () => {
    const tasks = buildAwsTasks(spec({ ipv6: true }), boot);
    const lb = byId(tasks).get('LoadBalancer/api.six.example.com');
    expect(lb?.desired['ipAddressType']).toBe('dualstack');
    expect(records(tasks)).toEqual(['api.internal.six.example.com A', 'api.internal.six.example.com-AAAA AAAA', 'api.six.example.com A', 'api.six.example.com-AAAA AAAA']);
    const aaaa = byId(tasks).get('DNSRecord/api.six.example.com-AAAA');
    expect(aaaa?.desired).toEqual({ ...byId(tasks).get('DNSRecord/api.six.example.com')!.desired, type: 'AAAA' });
  });

  it('leaves an IPv4 cluster as before, makes no records with topology.dns.type None, and keeps a load balancer in a shared subnet without an IPv6 range IPv4', () => {
    const v4 = buildAwsTasks(spec(), boot);
    expect('ipAddressType' in byId(v4).get('LoadBalancer/api.six.example.com')!.desired).toBe(false);
    expect(records(v4)).toEqual(['api.internal.six.example.com A', 'api.six.example.com A']);

    const none = buildAwsTasks(spec({ ipv6: true, dns: 'None' }), boot);
    expect(byId(none).get('LoadBalancer/api.six.example.com')?.desired['ipAddressType']).toBe('dualstack');
    expect(records(none)).toEqual([]);

    const tasks = buildAwsTasks(spec({ ipv6: true, sharedUtility: true }), boot);
    expect('ipAddressType' in byId(tasks).get('LoadBalancer/api.six.example.com')!.desired).toBe(false);
    expect(records(tasks)).toEqual(['api.internal.six.example.com A', 'api.six.example.com A']);
  });

  it('deletes the AAAA records a cluster no longer wants and keeps its A records', () => {
    const tasks = buildAwsTasks(spec(), boot);
    const zone: LiveObject = { id: 'Z1', name: 'example.com', fields: {}, outputs: { id: 'Z1', arn: 'arn:aws:route53:::hostedzone/Z1' }, shared: true };
    const record = (name: string, type: 'A' | 'AAAA'): LiveObject => ({
      id: `Z1/${name}/${type}`,
      name: type === 'AAAA' ? `${name}-AAAA` : name,
      fields: { hostedZoneId: 'Z1', name, type, aliasTarget: { dnsName: 'api-six.elb.amazonaws.com', hostedZoneId: 'ZLB', evaluateTargetHealth: false } },
      outputs: { id: `Z1/${name}/${type}` },
    });
    const live = ['api.six.example.com', 'api.internal.six.example.com'].flatMap((n) => [record(n, 'A'), record(n, 'AAAA')]);
    const { plan } = buildPlan({ cluster: 'six.example.com', cloud: 'aws', specRevision: null, tasks, kinds: AWS_KINDS }, new Map([['HostedZone', [zone]], ['DNSRecord', live]]));
    const dns = plan.changes.filter((c) => c.kind === 'DNSRecord').map((c) => [c.name, c.action, c.deleteReason]);
    // The A records are known after the load balancer is made (a change); the AAAA ones go.
    expect(dns.filter(([, action]) => action === 'delete')).toEqual([
      ['api.internal.six.example.com-AAAA', 'delete', 'no longer in the spec'],
      ['api.six.example.com-AAAA', 'delete', 'no longer in the spec'],
    ]);
    expect(dns.filter(([, action]) => action !== 'delete').map(([name]) => name).sort()).toEqual(['api.internal.six.example.com', 'api.six.example.com']);
  });
});

const ZONE = 'api6.example.com';
const NAME = `six.${ZONE}`;
const API = `api.${NAME}`;
const INTERNAL = `api.internal.${NAME}`;
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let zoneId: string;

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const fqdn = (name: string | undefined) => (name ?? '').replace(/\.$/, '').toLowerCase();

interface PlanJson {
  readonly changes: readonly { readonly id: string; readonly action: string; readonly changes: readonly { readonly path: string; readonly before?: unknown; readonly after?: unknown }[] }[];
}

async function plan(): Promise<PlanJson> {
  const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
  expect(planned.code, planned.stderr).toBe(0);
  return JSON.parse(planned.stdout) as PlanJson;
}

const changed = (p: PlanJson) => p.changes.filter((c) => c.action !== 'noop');

async function loadBalancer() {
  const lb = (await account.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [elbName('api', NAME)] }))).LoadBalancers?.[0];
  expect(lb, 'the API load balancer').toBeDefined();
  return lb!;
}

/** The zone's alias records of the API's names, as `name type → target`. */
async function aliases(): Promise<string[]> {
  const sets = (await account.clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
  return sets.filter((r) => r.AliasTarget !== undefined && fqdn(r.Name).endsWith(NAME)).map((r) => `${fqdn(r.Name)} ${r.Type} → ${fqdn(r.AliasTarget?.DNSName)}`).sort();
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-api-ipv6-');
  zoneId = (await account.clients.route53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `${Date.now()}` }))).HostedZone!.Id!;
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--topology', 'private', '--ipv6', '--dns-zone', ZONE]);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
}, 120_000);

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('an IPv6 cluster\'s API on AWS (moto)', () => {
  it('gets a dual-stack load balancer and A and AAAA aliases of both names, then has nothing to change', { timeout: 300_000 }, async () => {
    const planned = await plan();
    const lbCreate = planned.changes.find((c) => c.id === `LoadBalancer/${API}`);
    expect(lbCreate?.action).toBe('create');
    expect(lbCreate?.changes).toContainEqual({ path: 'ipAddressType', after: 'dualstack' });
    expect(planned.changes.filter((c) => c.id.startsWith('DNSRecord/')).map((c) => `${c.id} ${c.action}`).sort()).toEqual(
      [`DNSRecord/${INTERNAL}`, `DNSRecord/${INTERNAL}-AAAA`, `DNSRecord/${API}`, `DNSRecord/${API}-AAAA`].map((id) => `${id} create`),
    );

    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const lb = await loadBalancer();
    expect(lb.IpAddressType).toBe('dualstack');
    const target = fqdn(lb.DNSName);
    expect(await aliases()).toEqual([`${INTERNAL} A → ${target}`, `${INTERNAL} AAAA → ${target}`, `${API} A → ${target}`, `${API} AAAA → ${target}`]);
    // kubernetesApiAccess defaults to 0.0.0.0/0 and ::/0: the API port is open to both.
    const groups = (await account.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [`control-plane.${NAME}`] }] }))).SecurityGroups ?? [];
    const api = (groups[0]?.IpPermissions ?? []).filter((p) => p.FromPort === 6443 && p.ToPort === 6443);
    expect(api.flatMap((p) => [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)])).toEqual(expect.arrayContaining(['0.0.0.0/0', '::/0']));

    expect(changed(await plan())).toEqual([]);
  });

  it('turns a load balancer and records an earlier hoist made IPv4 only dual-stack in place, then has nothing to change', { timeout: 300_000 }, async () => {
    // What the cluster's cloud was before hoist made IPv6 clusters' APIs dual-stack.
    const lb = await loadBalancer();
    await account.clients.elbv2.send(new SetIpAddressTypeCommand({ LoadBalancerArn: lb.LoadBalancerArn, IpAddressType: 'ipv4' }));
    const sets = (await account.clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
    const aaaa = sets.filter((r): r is ResourceRecordSet => r.Type === 'AAAA');
    expect(aaaa).toHaveLength(2);
    await account.clients.route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: aaaa.map((r) => ({ Action: 'DELETE', ResourceRecordSet: r })) } }));

    const planned = changed(await plan());
    expect(planned.map((c) => `${c.id} ${c.action}`).sort()).toEqual([`DNSRecord/${INTERNAL}-AAAA create`, `DNSRecord/${API}-AAAA create`, `LoadBalancer/${API} update`]);
    expect(planned.find((c) => c.id === `LoadBalancer/${API}`)?.changes).toEqual([{ path: 'ipAddressType', before: 'ipv4', after: 'dualstack' }]);

    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const after = await loadBalancer();
    // In place: the same load balancer.
    expect(after.LoadBalancerArn).toBe(lb.LoadBalancerArn);
    expect(after.IpAddressType).toBe('dualstack');
    expect((await aliases()).filter((a) => a.includes(' AAAA '))).toHaveLength(2);
    expect(changed(await plan())).toEqual([]);
  });

  it('goes with the cluster, its AAAA records too', { timeout: 300_000 }, async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`DNSRecord/${API}-AAAA`);
    expect(await aliases()).toEqual([]);
  });
});

describe('an IPv6 cluster\'s API in the Terraform output', () => {
  it('is a dual-stack aws_lb with AAAA aliases, which terraform validates', { timeout: 300_000 }, async () => {
    const name = `tf.${ZONE}`;
    const created = await run(['create', 'cluster', name, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '0', '--topology', 'private', '--ipv6', '--dns-zone', ZONE]);
    expect(created.code, created.stderr).toBe(0);
    const out = join(dir.path, 'tf');
    const rendered = await run(['update', 'cluster', name, '--target', 'terraform', '--out', out]);
    expect(rendered.code, rendered.stderr).toBe(0);
    type Resources = Record<string, Record<string, Record<string, unknown>>>;
    const r = (JSON.parse(await readFile(join(out, 'kubernetes.tf.json'), 'utf8')) as { resource: Resources }).resource;
    const lb = tfName(`api.${name}`);
    expect(r['aws_lb']?.[lb]?.['ip_address_type']).toBe('dualstack');
    const records = Object.entries(r['aws_route53_record'] ?? {}).map(([key, x]) => `${key} ${String(x['name'])} ${String(x['type'])}`).sort();
    expect(records).toEqual([
      `${tfName(`api.internal.${name}`)} api.internal.${name} A`,
      `${tfName(`api.internal.${name}-AAAA`)} api.internal.${name} AAAA`,
      `${tfName(`api.${name}`)} api.${name} A`,
      `${tfName(`api.${name}-AAAA`)} api.${name} AAAA`,
    ]);
    expect(r['aws_route53_record']?.[tfName(`api.${name}-AAAA`)]?.['alias']).toEqual([{ name: `\${aws_lb.${lb}.dns_name}`, zone_id: `\${aws_lb.${lb}.zone_id}`, evaluate_target_health: false }]);

    // terraform validates the module; the aws_lb and aws_route53_record resources themselves are
    // applied on moto by test/terraform/apply.test.ts (an IPv4 cluster's), so this one stops at validate.
    const validated = await validateModule(join(dir.path, 'tf-home'), out, { AWS_ACCESS_KEY_ID: account.env['AWS_ACCESS_KEY_ID']!, AWS_SECRET_ACCESS_KEY: account.env['AWS_SECRET_ACCESS_KEY']!, AWS_EC2_METADATA_DISABLED: 'true' });
    expect(validated.code, validated.stderr || validated.stdout).toBe(0);
  });
});
