/**
 * The API's port on AWS (moto), through the CLI: the port the API load balancer's listener
 * serves is the port of every URL that names the API — the exported kubeconfig's and nodeup.yaml's
 * `apiServer` of every group — with DNS records (a `dnsZone`) and without them (a cluster created
 * with no zone has `topology.dns.type: None`); the listener forwards to the target group's port,
 * which is the API servers' own (kube-apiserver's `--secure-port`, as nodeup sets it). With an
 * sslCertificate (an IAM server certificate: moto checks that it exists), 443 is a TLS listener
 * with it and the TCP pass-through that kubeconfigs and nodeup.yaml name moves to 8443;
 * crossZoneLoadBalancing and additionalSecurityGroups (with hoist's own group) reach the load
 * balancer, and taking the groups off replaces it.
 */

import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { UploadServerCertificateCommand } from '@aws-sdk/client-iam';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbName } from '../../cloudup/aws/names.js';
import { API_PORT as API_SERVERS_PORT } from '../../nodeup/model/control-plane.js';
import { hoist, tempDir } from '../support/cli.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const ZONE = 'port.example.com';
const WITH_ZONE = `zoned.${ZONE}`;
const NO_ZONE = 'nozone.port.example.net';
const TLS = `tls.${ZONE}`;
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
/** A URL's port, https's 443 when it gives none. */
const portOf = (url: string): number => Number(new URL(url).port || 443);

interface Listening {
  readonly dnsName: string;
  readonly listenerPorts: number[];
  readonly targetPorts: number[];
}

async function apiLoadBalancer(cluster: string): Promise<Listening> {
  const elb = account.clients.elbv2;
  const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: [elbName('api', cluster)] }))).LoadBalancers?.[0];
  expect(lb?.LoadBalancerArn, `the API load balancer of ${cluster}`).toBeTruthy();
  const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb!.LoadBalancerArn }))).Listeners ?? [];
  const groups = (await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb!.LoadBalancerArn }))).TargetGroups ?? [];
  return { dnsName: lb!.DNSName!.toLowerCase(), listenerPorts: listeners.map((l) => l.Port!), targetPorts: groups.map((g) => g.Port!) };
}

async function nodeupApiServers(cluster: string): Promise<Map<string, string>> {
  const igs = JSON.parse((await run(['get', 'instancegroups', '--name', cluster, '-o', 'json'])).stdout) as { items: { metadata: { name: string } }[] };
  const servers = new Map<string, string>();
  for (const ig of igs.items) {
    const got = await account.clients.s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: `clusters/${cluster}/igconfig/${ig.metadata.name}/nodeup.yaml` }));
    servers.set(ig.metadata.name, (parse(await got.Body!.transformToString()) as { apiServer: string }).apiServer);
  }
  return servers;
}

async function kubeconfigServer(cluster: string, extra: string[] = []): Promise<string> {
  const file = join(dir.path, `${cluster}${extra.join('')}.kubeconfig`);
  const exported = await run(['export', 'kubeconfig', cluster, '--kubeconfig', file, ...extra]);
  expect(exported.code, exported.stderr).toBe(0);
  const config = parse(await readFile(file, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[] };
  return config.clusters.find((c) => c.name === cluster)!.cluster.server;
}

/** Applies `cluster` and checks that every URL of its API uses the port its listener serves. */
async function applyAndCompare(cluster: string, host: (lb: Listening) => { public: string; internal: string }): Promise<void> {
  await useAssetMirror(run, cluster, join(dir.path, `assets-${cluster}`));
  const applied = await run(['update', 'cluster', cluster, '--yes']);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  const lb = await apiLoadBalancer(cluster);
  expect(lb.listenerPorts).toEqual([443]);
  expect(lb.targetPorts).toEqual([API_SERVERS_PORT]);
  const [listening] = lb.listenerPorts as [number];
  const names = host(lb);

  const kubeconfig = await kubeconfigServer(cluster);
  expect(portOf(kubeconfig)).toBe(listening);
  expect(new URL(kubeconfig).hostname).toBe(names.public);
  const internal = await kubeconfigServer(cluster, ['--internal']);
  expect(portOf(internal)).toBe(listening);
  expect(new URL(internal).hostname).toBe(names.internal);

  const servers = await nodeupApiServers(cluster);
  expect(servers.size).toBeGreaterThanOrEqual(2);
  for (const [ig, server] of servers) {
    expect(portOf(server), `nodeup.yaml apiServer of ${ig}`).toBe(listening);
    expect(new URL(server).hostname, `nodeup.yaml apiServer of ${ig}`).toBe(names.public);
  }
  const again = await run(['update', 'cluster', cluster, '--detailed-exitcode']);
  expect(again.code, again.stdout + again.stderr).toBe(0);
  const deleted = await run(['delete', 'cluster', cluster, '--yes']);
  expect(deleted.code, deleted.stderr).toBe(0);
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-port-');
  await account.clients.route53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `${Date.now()}` }));
});

afterAll(async () => {
  await dir?.cleanup();
  account?.close();
});

describe('the API port on AWS', () => {
  it('with DNS records: kubeconfigs and every nodeup.yaml name api.<cluster> on the listener port', async () => {
    const created = await run(['create', 'cluster', WITH_ZONE, '--cloud', 'aws', '--zones', 'us-east-1a', '--topology', 'private', '--node-count', '1', '--dns-zone', ZONE]);
    expect(created.code, created.stderr).toBe(0);
    await applyAndCompare(WITH_ZONE, () => ({ public: `api.${WITH_ZONE}`, internal: `api.internal.${WITH_ZONE}` }));
  });

  it('without a zone: create cluster makes topology.dns.type None and a load balancer, named on its listener port', async () => {
    const created = await run(['create', 'cluster', NO_ZONE, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '1']);
    expect(created.code, created.stderr).toBe(0);
    const got = parse((await run(['get', 'cluster', NO_ZONE, '-o', 'yaml'])).stdout) as { spec: { topology: { dns: { type: string } }; dnsZone?: string } };
    expect(got.spec.topology.dns.type).toBe('None');
    expect(got.spec.dnsZone).toBeUndefined();
    await applyAndCompare(NO_ZONE, (lb) => ({ public: lb.dnsName, internal: lb.dnsName }));
  });

  it('with an sslCertificate: 443 ends TLS with it, and kubeconfigs and every nodeup.yaml name the pass-through on 8443', async () => {
    const elb = account.clients.elbv2;
    const created = await run(['create', 'cluster', TLS, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '1', '--dns-zone', ZONE]);
    expect(created.code, created.stderr).toBe(0);
    const certificate = await serverCertificate(`api.${TLS}`);
    const policy = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
    await setLoadBalancer(TLS, { type: 'Public', sslCertificate: certificate, sslPolicy: policy, crossZoneLoadBalancing: true });
    await useAssetMirror(run, TLS, join(dir.path, `assets-${TLS}`));
    await applyConverged(TLS);

    const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: [elbName('api', TLS)] }))).LoadBalancers![0]!;
    const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    const groups = (await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).TargetGroups ?? [];
    const groupOf = (port: number) => groups.find((g) => g.TargetGroupArn === listeners.find((l) => l.Port === port)?.DefaultActions?.[0]?.TargetGroupArn);
    expect(listeners.map((l) => [l.Port, l.Protocol]).sort()).toEqual([[443, 'TLS'], [8443, 'TCP']]);
    const tlsListener = listeners.find((l) => l.Port === 443)!;
    expect(tlsListener.Certificates?.map((c) => c.CertificateArn)).toEqual([certificate]);
    expect(tlsListener.SslPolicy).toBe(policy);
    // TLS again to the API servers (they serve only TLS); the pass-through as before.
    expect(groupOf(443)).toMatchObject({ Protocol: 'TLS', Port: API_SERVERS_PORT });
    expect(groupOf(8443)).toMatchObject({ Protocol: 'TCP', Port: API_SERVERS_PORT });
    const attributes = (await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Attributes ?? [];
    expect(attributes.find((a) => a.Key === 'load_balancing.cross_zone.enabled')?.Value).toBe('true');
    const plane = (await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`control-plane-us-east-1a.${TLS}`] }))).AutoScalingGroups![0]!;
    expect([...(plane.TargetGroupARNs ?? [])].sort()).toEqual(groups.map((g) => g.TargetGroupArn).sort());

    expect(portOf(await kubeconfigServer(TLS))).toBe(8443);
    for (const [ig, server] of await nodeupApiServers(TLS)) expect(portOf(server), `nodeup.yaml apiServer of ${ig}`).toBe(8443);

    // Security groups: the user's and hoist's own, which opens both listeners; taking them off
    // replaces the load balancer (AWS keeps one with security groups for life).
    const ec2 = account.clients.ec2;
    const mine = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'api-extra', Description: 'extra', VpcId: lb.VpcId }))).GroupId!;
    await setLoadBalancer(TLS, { type: 'Public', sslCertificate: certificate, additionalSecurityGroups: [mine] });
    await applyConverged(TLS);
    const withGroups = (await elb.send(new DescribeLoadBalancersCommand({ Names: [elbName('api', TLS)] }))).LoadBalancers![0]!;
    expect(withGroups.LoadBalancerArn, 'a load balancer made without security groups is replaced').not.toBe(lb.LoadBalancerArn);
    const own = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [`api-elb.${TLS}`] }] }))).SecurityGroups![0]!;
    expect([...(withGroups.SecurityGroups ?? [])].sort()).toEqual([own.GroupId, mine].sort());
    const open = (own.IpPermissions ?? []).filter((p) => p.IpRanges?.some((r) => r.CidrIp === '0.0.0.0/0')).map((p) => p.FromPort).sort();
    expect(open).toEqual([443, 8443]);

    await setLoadBalancer(TLS, { type: 'Public' });
    await applyConverged(TLS);
    const plain = (await elb.send(new DescribeLoadBalancersCommand({ Names: [elbName('api', TLS)] }))).LoadBalancers![0]!;
    expect(plain.SecurityGroups ?? []).toEqual([]);
    expect((await apiLoadBalancer(TLS)).listenerPorts).toEqual([443]);
    expect(portOf(await kubeconfigServer(TLS))).toBe(443);
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: mine }));
    const deleted = await run(['delete', 'cluster', TLS, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
  });
});

/** An IAM server certificate for `name` (a load balancer takes IAM's as well as ACM's): its ARN. */
async function serverCertificate(name: string): Promise<string> {
  const key = join(dir.path, 'tls.key');
  const cert = join(dir.path, 'tls.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  const uploaded = await account.clients.iam.send(
    new UploadServerCertificateCommand({ ServerCertificateName: 'hoist-api', CertificateBody: await readFile(cert, 'utf8'), PrivateKey: await readFile(key, 'utf8') }),
  );
  return uploaded.ServerCertificateMetadata!.Arn!;
}

async function setLoadBalancer(cluster: string, loadBalancer: Record<string, unknown>): Promise<void> {
  const got = parse((await run(['get', 'cluster', cluster, '-o', 'yaml'])).stdout) as { spec: { api: Record<string, unknown> } };
  const replaced = await run(['replace', '-f', '-'], stringify({ ...got, spec: { ...got.spec, api: { ...got.spec.api, loadBalancer } } }));
  expect(replaced.code, replaced.stderr).toBe(0);
}

async function applyConverged(cluster: string): Promise<void> {
  const applied = await run(['update', 'cluster', cluster, '--yes']);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  const again = await run(['update', 'cluster', cluster, '--detailed-exitcode']);
  expect(again.code, again.stdout + again.stderr).toBe(0);
}
