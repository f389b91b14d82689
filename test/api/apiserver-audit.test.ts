/**
 * kops's audit settings of the API server (kubeAPIServer.auditLog*, auditWebhook*): accepted in
 * kops's forms (formats, modes, Go durations, a rate as a number or a quantity string), refused
 * at their paths with the value and a fix otherwise; the policy and the webhook's kubeconfig must
 * be files that spec.fileAssets writes on every machine running the API server; the kops import
 * keeps them.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpecSet, parseSpecText, toYaml } from '../../src/api/index.js';
import type { ClusterSpec } from '../../src/api/index.js';
import { ValidationError } from '../../src/errors.js';
import type { FieldProblem } from '../../src/errors.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { withDnsZone } from '../support/kops-zone.js';
import { cluster, group, groups, validate } from './fixtures.js';

type ApiServer = NonNullable<ClusterSpec['kubeAPIServer']>;
const WEBHOOK = '/srv/kubernetes/kube-apiserver/audit-webhook-config.yaml';
const webhookFile = { name: 'audit-webhook-config', path: WEBHOOK, roles: ['ControlPlane' as const], content: 'apiVersion: v1\nkind: Config\n' };
const policyFile = { ...webhookFile, name: 'audit-policy', path: WEBHOOK.replace('audit-webhook-config', 'audit-policy') };

const ALL: ApiServer = {
  auditPolicyFile: WEBHOOK.replace('audit-webhook-config', 'audit-policy'),
  auditLogPath: '/var/log/kube-apiserver-audit.log',
  auditLogMaxAge: 10,
  auditLogMaxBackups: 5,
  auditLogMaxSize: 100,
  auditLogFormat: 'json',
  auditWebhookConfigFile: WEBHOOK,
  auditWebhookMode: 'batch',
  auditWebhookBatchBufferSize: 10000,
  auditWebhookBatchMaxSize: 400,
  auditWebhookBatchMaxWait: '30s',
  auditWebhookBatchThrottleBurst: 15,
  auditWebhookBatchThrottleEnable: true,
  auditWebhookBatchThrottleQps: '500m',
  auditWebhookInitialBackoff: '1m30s',
};

/** The schema's and the rules' problems of a cluster with these API server settings, as a file is read. */
function problems(kubeAPIServer: Record<string, unknown>, spec: Partial<ClusterSpec> = { fileAssets: [webhookFile, policyFile] }): FieldProblem[] {
  const text = [toYaml(cluster({ ...spec, kubeAPIServer: kubeAPIServer as ApiServer })), ...groups().map((g) => toYaml(g))].join('---\n');
  try {
    parseSpecSet(text, 'cluster.yaml', SPEC_RULES);
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return [...e.problems];
    throw e;
  }
}

describe('kubeAPIServer audit settings', () => {
  it('accepts every one of them in kops\'s forms', () => {
    expect(problems(ALL)).toEqual([]);
    expect(problems({ auditWebhookBatchThrottleQps: 3.14, auditWebhookMode: 'blocking-strict', auditLogFormat: 'legacy', auditWebhookBatchMaxWait: '0' }, {})).toEqual([]);
    expect(validate(cluster({ kubeAPIServer: ALL, fileAssets: [webhookFile, policyFile] }), groups())).toEqual([]);
  });

  it.each([
    ['auditLogFormat', 'xml', /must be one of: json, legacy/],
    ['auditWebhookMode', 'async', /must be one of: batch, blocking, blocking-strict/],
    ['auditWebhookBatchMaxWait', '30 seconds', /has the wrong form/],
    ['auditWebhookInitialBackoff', 10, /must be a string/],
    ['auditWebhookBatchThrottleQps', -1, /must be above 0/],
    ['auditWebhookBatchThrottleQps', 0, /must be above 0/],
    ['auditWebhookBatchThrottleQps', 'fast', /has the wrong form/],
    ['auditWebhookBatchThrottleQps', '0m', /must be above 0/],
    ['auditWebhookBatchMaxSize', 0, /must be at least 1/],
    ['auditLogMaxBackups', -1, /must be at least 0/],
    ['auditWebhookBatchThrottleEnable', 'yes', /must be a boolean/],
    ['auditWebhookConfigFile', 'audit-webhook.yaml', /has the wrong form/],
  ])('refuses %s: %j at its path, with the value and a fix', (field, value, message) => {
    const found = problems({ [field]: value }, {});
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: `spec.kubeAPIServer.${field}`, value });
    expect(found[0]?.message).toMatch(message);
    expect(found[0]?.fix?.length).toBeGreaterThan(3);
  });

  it('refuses an audit policy that spec.fileAssets does not write on the machines running the API server', () => {
    const policy = '/srv/kubernetes/kube-apiserver/audit-policy.yaml';
    expect(validate(cluster({ kubeAPIServer: { auditPolicyFile: policy } }), groups())).toEqual([
      {
        path: 'spec.kubeAPIServer.auditPolicyFile',
        value: policy,
        message: 'is not a file the machines running the API server have: spec.fileAssets writes none at that path on control-plane-us-east-1a',
        fix: `add the audit policy to spec.fileAssets, e.g. {name: audit-policy, path: ${policy}, roles: [ControlPlane], content: ...}`,
      },
    ]);
    expect(validate(cluster({ kubeAPIServer: { auditPolicyFile: policy }, fileAssets: [{ ...webhookFile, name: 'audit-policy', path: policy }] }), groups())).toEqual([]);
  });

  it('refuses a webhook kubeconfig that spec.fileAssets does not write on every machine running the API server', () => {
    const api: ApiServer = { auditWebhookConfigFile: WEBHOOK };
    const none = validate(cluster({ kubeAPIServer: api }), groups());
    expect(none).toEqual([
      {
        path: 'spec.kubeAPIServer.auditWebhookConfigFile',
        value: WEBHOOK,
        message: 'is not a file the machines running the API server have: spec.fileAssets writes none at that path on control-plane-us-east-1a',
        fix: `add the webhook's kubeconfig to spec.fileAssets, e.g. {name: audit-webhook-config, path: ${WEBHOOK}, roles: [ControlPlane], content: ...}`,
      },
    ]);
    // Only on the Nodes: the control plane has no such file.
    expect(validate(cluster({ kubeAPIServer: api, fileAssets: [{ ...webhookFile, roles: ['Node'] }] }), groups())).toHaveLength(1);
    // For every role, or from the control-plane group's own files: accepted.
    expect(validate(cluster({ kubeAPIServer: api, fileAssets: [{ ...webhookFile, roles: undefined }] }), groups())).toEqual([]);
    const own = [group('control-plane-us-east-1a', { role: 'ControlPlane', fileAssets: [webhookFile] }), group('nodes')];
    expect(validate(cluster({ kubeAPIServer: api }), own)).toEqual([]);
    // An APIServer group runs the API server too: it needs the file as well.
    const apiServers = [...own, group('apiserver', { role: 'APIServer' })];
    expect(validate(cluster({ kubeAPIServer: api }), apiServers)).toEqual([expect.objectContaining({ message: expect.stringContaining('on apiserver') as string })]);
  });

  it('is kept by the kops import: complex.yaml\'s auditWebhookBatchThrottleQps is carried, not dropped', () => {
    const text = readFileSync(join(import.meta.dirname, '../fixtures/kops-specs/complex.yaml'), 'utf8');
    const docs = parseSpecText(withDnsZone(text), 'complex.yaml', SPEC_RULES);
    const imported = docs.find((d) => d.kind === 'Cluster');
    expect(imported?.converted?.dropped.map((d) => d.path).filter((p) => p.startsWith('spec.kubeAPIServer'))).toEqual([]);
    expect(imported?.object.spec).toMatchObject({ kubeAPIServer: { auditWebhookBatchThrottleQps: 3.14 } });
    // Every field kops names, in kops's forms, carried as written.
    // (complex.yaml writes no files: the rule above would refuse their paths.)
    const { auditWebhookConfigFile: _file, auditPolicyFile: _policy, ...kops } = ALL;
    const all = text.replace('    auditWebhookBatchThrottleQps: 3.14\n', Object.entries(kops).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`).join(''));
    const carried = parseSpecText(withDnsZone(all), 'complex.yaml', SPEC_RULES).find((d) => d.kind === 'Cluster');
    expect(carried?.converted?.dropped.map((d) => d.path).filter((p) => p.startsWith('spec.kubeAPIServer'))).toEqual([]);
    expect(carried?.object.spec).toMatchObject({ kubeAPIServer: kops });
  });
});
