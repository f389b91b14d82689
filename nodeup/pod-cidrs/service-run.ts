/**
 * The pod range service as a process (`hoist aws-ipam --conf /etc/hoist/aws-ipam.json`, run by
 * hoist-aws-ipam.service): reads its configuration, loads the admin kubeconfig (its files mapped
 * into the machine's root on a local cloud instance), makes an EC2 client with the machine's
 * instance profile (the SDK's default credentials, through IMDS) and runs passes until stopped.
 *
 * The region is `AWS_REGION`, else the machine's own from IMDSv2, as kops-controller finds it;
 * `AWS_ENDPOINT_URL_EC2` or `AWS_ENDPOINT_URL` name another EC2 endpoint and
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT` another metadata server.
 */

import { readFile } from 'node:fs/promises';
import { EC2Client } from '@aws-sdk/client-ec2';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { loadNodeKubeconfig } from '../addons/service-run.js';
import { storeProxyOption } from '../http-proxy.js';
import { onServiceStop } from '../services/stop-signal.js';
import { ec2PrefixSource } from './aws-prefixes.js';
import { NodePodCidrs } from './controller.js';
import type { PodCidrsServiceConfig } from './service.js';
import { POD_CIDRS_SERVICE_CONF } from './service.js';

export interface PodCidrsServiceOptions {
  /** The configuration file, a host path. */
  readonly conf: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
  readonly pollMs?: number;
}

export async function readPodCidrsConfig(path: string): Promise<PodCidrsServiceConfig> {
  let c: Partial<Record<keyof PodCidrsServiceConfig, unknown>>;
  try {
    c = JSON.parse(await readFile(path, 'utf8')) as typeof c;
  } catch (e) {
    throw new HoistError('NOT_FOUND', `--conf ${path}: cannot read the pod range service's configuration (${e instanceof Error ? e.message : String(e)})`, { hint: `nodeup writes it on the control-plane machines of an AWS IPv6 cluster: ${POD_CIDRS_SERVICE_CONF}` });
  }
  for (const field of ['cluster', 'instanceId', 'kubeconfig'] as const) {
    if (typeof c[field] !== 'string') throw new HoistError('INVALID_SPEC', `--conf ${path}: ${field} is ${JSON.stringify(c[field])}, not a string (nodeup writes the file with cluster, instanceId and kubeconfig; run nodeup again to rewrite it)`);
  }
  return c as PodCidrsServiceConfig;
}

async function regionOf(env: PodCidrsServiceOptions['env']): Promise<string> {
  if (env.AWS_REGION) return env.AWS_REGION;
  const endpoint = env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  const imds = new MetadataService({ ...(endpoint ? { endpoint } : {}), ec2MetadataV1Disabled: true });
  return (await imds.request('latest/meta-data/placement/region', {})).trim();
}

export async function runPodCidrsService(opts: PodCidrsServiceOptions): Promise<number> {
  const config = await readPodCidrsConfig(opts.conf);
  const kube = await loadNodeKubeconfig(opts.env.HOIST_NODE_ROOT ?? '/', config.kubeconfig);
  const endpoint = opts.env.AWS_ENDPOINT_URL_EC2 ?? opts.env.AWS_ENDPOINT_URL;
  const agent = storeProxyOption().agent;
  const ec2 = new EC2Client({
    region: await regionOf(opts.env),
    ...(endpoint ? { endpoint } : {}),
    ...(agent === undefined ? {} : { requestHandler: { httpAgent: agent, httpsAgent: agent } }),
  });
  const controller = new NodePodCidrs({ kube, prefixes: ec2PrefixSource(ec2), events: opts.events, instanceId: config.instanceId, ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }) });
  opts.events({ level: 'info', code: 'pod-cidrs.service', message: `setting the pod range of ${config.cluster}'s Nodes to their machines' IPv6 prefixes, as ${config.instanceId}` });
  const loop = controller.start();
  await new Promise<void>((resolve) => onServiceStop(resolve));
  await loop.stop();
  ec2.destroy();
  opts.events({ level: 'info', code: 'pod-cidrs.service', message: 'stopped' });
  return 0;
}
