/**
 * The boot script: one bash template, rendered per cloud and per instance group, that takes a
 * stock Ubuntu 24.04 / Debian 12 machine to a running nodeup. Given as user data (AWS),
 * startup-script metadata (GCE) or run by the local cloud's agent under an instance's root.
 *
 * The rendered script starts with what is pinned (hashes, URLs, the boot configuration) and the
 * locations a test or the local cloud may override from the environment (`: "${VAR:=default}"`),
 * then the fixed body (template.ts). docs/nodeup.md, "How a machine boots", walks through it.
 */

import { dirname } from 'node:path';
import { proxyEnvironment } from '../../src/api/egress-proxy.js';
import { HoistError } from '../../src/errors.js';
import { NodeupYamlText } from '../nodeup/yaml-text.js';
import { BOOT_SCRIPT_BODY } from './template.js';

export interface BootScriptInput {
  /** The boot configuration (today's /etc/hoist/boot.yaml fields: stateStore, cluster, instanceGroup, configHash,
   *  healthPorts?) written by the script to <root>/etc/hoist/boot.yaml; the script adds instanceId itself where the
   *  cloud's metadata gives one (AWS: IMDSv2 instance-id; GCE: the instance name). */
  readonly boot: { stateStore: string; cluster: string; instanceGroup: string; configHash: string; healthPorts?: number[] };
  /** How the machine reads the state store: 's3' (SigV4 with the instance profile's credentials from IMDSv2),
   *  'gcs' (the GCS JSON API with the metadata server's access token), 'file' (a path; the local cloud). */
  readonly storeAccess: 's3' | 'gcs' | 'file';
  /** The S3 region of the state store bucket (storeAccess 's3'). */
  readonly region?: string;
  /** The Node.js runtime archive: version, URL (mirror or upstream), sha256 of the archive. */
  readonly node: { readonly version: string; readonly url: string; readonly sha256: string };
  /** The nodeup bundle (one file, dist/nodeup.mjs of this hoist build) as published into the state store
   *  at `<store>/<cluster>/nodeup/<sha256>/nodeup.mjs`: its state-store URL and sha256. */
  readonly nodeup: { readonly url: string; readonly sha256: string };
  /**
   * Which metadata server names the machine (instanceId in boot.yaml): AWS's IMDSv2, GCE's
   * metadata server, or none (the local cloud names its instances itself). By default the one
   * that goes with storeAccess (s3: aws, gcs: gce, file: none).
   */
  readonly metadata?: BootMetadata;
  /**
   * spec.egressProxy: exported before the script's first download, and given to nodeup (a
   * drop-in of hoist-nodeup.service, or its environment). Absent: the script is as without it.
   */
  readonly proxy?: BootProxy;
}

/** The proxy's URL (`http://host:port`) and the completed no_proxy list. */
export interface BootProxy {
  readonly url: string;
  readonly noProxy: string;
}

export type BootMetadata = 'aws' | 'gce' | 'none';

const DEFAULT_METADATA = { s3: 'aws', gcs: 'gce', file: 'none' } as const satisfies Record<BootScriptInput['storeAccess'], BootMetadata>;
const METADATA_URL = { aws: 'http://169.254.169.254', gce: 'http://metadata.google.internal', none: '' } as const satisfies Record<BootMetadata, string>;
const SHA256 = /^[0-9a-f]{64}$/;
// Characters a URL may hold here: none that a shell treats specially inside double quotes.
const SAFE_URL = /^(https?:\/\/|s3:\/\/|gs:\/\/|file:\/\/\/|\/)[A-Za-z0-9._~:/?#@!&+,;=%-]*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** boot.yaml's text, the yaml library's to the byte, with the pairs every group shares written once per process. */
const BOOT_YAML = new NodeupYamlText();

/** The bash script that boots a machine of `input.boot.instanceGroup`. */
export function renderBootScript(input: BootScriptInput): string {
  checkInput(input);
  const metadata = input.metadata ?? DEFAULT_METADATA[input.storeAccess];
  const region = input.region ?? 'us-east-1';
  const boot = BOOT_YAML.render(withoutUndefined(input.boot)).trimEnd();
  const header = [
    '#!/bin/bash',
    `# hoist boot script of ${input.boot.cluster}, instance group ${input.boot.instanceGroup}: installs Node.js and`,
    '# nodeup in /opt/hoist, writes /etc/hoist/boot.yaml and runs nodeup (docs/nodeup.md, "How a machine boots").',
    'set -euo pipefail',
    '# Where it talks to and writes; each can be set in the environment instead.',
    'S3_ENDPOINT_GIVEN=${HOIST_S3_ENDPOINT:-}',
    'GCS_ENDPOINT_GIVEN=${HOIST_GCS_ENDPOINT:-}',
    'METADATA_URL_GIVEN=${HOIST_METADATA_URL:-}',
    ': "${HOIST_ROOT:=}"',
    `: "\${HOIST_METADATA_URL:=${METADATA_URL[metadata]}}"`,
    `: "\${HOIST_S3_ENDPOINT:=https://s3.${region}.amazonaws.com}"`,
    ': "${HOIST_GCS_ENDPOINT:=https://storage.googleapis.com}"',
    ': "${HOIST_BOOT_LOG:=/var/log/hoist-boot.log}"',
    ': "${HOIST_SERVICE_MANAGER:=systemd}"',
    '# The longest wait between two tries of a download, in seconds.',
    ': "${HOIST_BOOT_RETRY_MAX:=30}"',
    `: "\${HOIST_NODE_URL:=${input.node.url}}"`,
    '# The machine\'s name where no metadata server gives one (the local cloud\'s agent sets it).',
    ': "${HOIST_INSTANCE_ID:=}"',
    '# What is pinned.',
    `CLUSTER=${quote(input.boot.cluster)}`,
    `INSTANCE_GROUP=${quote(input.boot.instanceGroup)}`,
    `METADATA=${metadata}`,
    `REGION=${region}`,
    `NODE_VERSION=${quote(input.node.version)}`,
    `NODE_SHA256=${input.node.sha256}`,
    `NODEUP_URL=${quote(input.nodeup.url)}`,
    `NODEUP_SHA256=${input.nodeup.sha256}`,
    `BOOT_YAML=${quote(boot)}`,
    `STATE_STORE=${quote(input.boot.stateStore)}`,
    `CONFIG_HASH=${quote(input.boot.configHash)}`,
    ...(input.proxy === undefined ? [] : proxyLines(input.proxy)),
    '',
  ].join('\n');
  return `${header}${BOOT_SCRIPT_BODY}`;
}

const PROXY_DROP_IN = '/etc/systemd/system/hoist-nodeup.service.d/egress-proxy.conf';

/**
 * The proxy for curl (which reads http_proxy, https_proxy and no_proxy) and for nodeup: the
 * unit the script writes later reads this drop-in; HOIST_SERVICE_MANAGER none and the
 * supervisor inherit the exported variables.
 */
function proxyLines(proxy: BootProxy): string[] {
  const env = proxyEnvironment(proxy);
  const unit = ['[Service]', ...Object.entries(env).map(([k, v]) => `Environment="${k}=${v}"`), ''].join('\n');
  return [
    '# spec.egressProxy: every download below goes through it, and so do nodeup\'s.',
    ...Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}`),
    `mkdir -p "$HOIST_ROOT${dirname(PROXY_DROP_IN)}"`,
    `printf '%s' ${quote(unit)} >"$HOIST_ROOT${PROXY_DROP_IN}"`,
  ];
}

function checkInput(input: BootScriptInput): void {
  const bad = (field: string, value: unknown, fix: string) => new HoistError('INVALID_SPEC', `boot script: ${field}: ${JSON.stringify(value)} ${fix}`);
  if (!SHA256.test(input.node.sha256)) throw bad('node.sha256', input.node.sha256, 'is not a lower-case hex sha256 (64 characters)');
  if (!SHA256.test(input.nodeup.sha256)) throw bad('nodeup.sha256', input.nodeup.sha256, 'is not a lower-case hex sha256 (64 characters)');
  if (!SAFE_URL.test(input.node.url)) throw bad('node.url', input.node.url, 'is not an http(s):// or file:/// URL of plain characters (percent-encode the others)');
  if (!SAFE_URL.test(input.nodeup.url)) throw bad('nodeup.url', input.nodeup.url, 'is not an s3://, gs://, http(s):// or file:/// URL of plain characters');
  if (input.region !== undefined && !REGION.test(input.region)) throw bad('region', input.region, 'is not an AWS region (e.g. us-east-1)');
  if (!/^[0-9A-Za-z.+-]+$/.test(input.node.version)) throw bad('node.version', input.node.version, 'is not a version (e.g. 20.20.2)');
  // Into a systemd unit too: nothing it would read as a quote, escape or specifier (%).
  if (input.proxy !== undefined && !/^http:\/\/[A-Za-z0-9.:[\]-]+$/.test(input.proxy.url)) throw bad('proxy.url', input.proxy.url, 'is not http://host:port (spec.egressProxy)');
  if (input.proxy !== undefined && !/^[A-Za-z0-9.:/*,[\]-]*$/.test(input.proxy.noProxy)) throw bad('proxy.noProxy', input.proxy.noProxy, 'is not a comma list of names, addresses and CIDRs (spec.egressProxy.excludes)');
}

/** A bash word that is exactly `text` (single quotes; a quote inside becomes '\''). */
function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
