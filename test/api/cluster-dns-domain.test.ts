/**
 * spec.clusterDNSDomain, kops's name for the DNS domain of services and pods: refused with its
 * path, value and a fix when it is not a lower-case DNS name; defaulted to cluster.local in one
 * place without changing the completed spec; kept by the kops import; and carried wherever the
 * domain is named: the kubelet's clusterDomain, CoreDNS's Corefile, the API server's certificate
 * (issued, and read back with openssl) and egressProxy's completed excludes. Pure, but for openssl.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterDNSDomain, completeSpec, DEFAULT_CLUSTER_DNS_DOMAIN, parseSpecSet } from '../../src/api/index.js';
import type { ClusterSpec } from '../../src/api/index.js';
import { createCA, issueCertificate } from '../../src/pki/index.js';
import type { CertificateAuthority } from '../../src/pki/index.js';
import { apiServerCertRequest } from '../../src/pki/requests.js';
import { kubeletSettings } from '../../cloudup/nodeup/components.js';
import { addonContext } from '../../cloudup/addons/render.js';
import { corednsAddon } from '../../cloudup/addons/templates/coredns.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { withDnsZone } from '../support/kops-zone.js';
import { cluster, groups, validate } from './fixtures.js';

const DOMAIN = 'k8s.internal';
const completed = (spec: Partial<ClusterSpec> = {}) => completeSpec(cluster(spec), groups());
const problemsOf = (domain: string) => validate(cluster({ clusterDNSDomain: domain }), groups());

function corefileOf(spec: Partial<ClusterSpec> = {}): string {
  const addon = corednsAddon(addonContext(completed(spec)));
  const map = addon.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'coredns') as { data?: Record<string, string> } | undefined;
  return map?.data?.['Corefile'] ?? '';
}

describe('spec.clusterDNSDomain: validation', () => {
  it('accepts a DNS name, and cluster.local when left out', () => {
    expect(problemsOf(DOMAIN)).toEqual([]);
    expect(problemsOf('prod.cluster-1.internal')).toEqual([]);
    expect(validate(cluster(), groups())).toEqual([]);
  });

  it.each([
    ['', 'is empty', 'k8s.internal'],
    ['k8s.internal.', 'ends with a dot', 'use k8s.internal'],
    ['k8s_internal.local', 'contains "_"', 'use k8s-internal.local'],
    ['K8s.Internal', 'upper-case', 'use k8s.internal'],
    ['-k8s.internal', 'is not a DNS name', 'e.g. cluster.local'],
    ['k8s..internal', 'is not a DNS name', 'e.g. cluster.local'],
    [`${'a'.repeat(64)}.internal`, 'at most 63 each', 'e.g. cluster.local'],
  ])('refuses %j at its path, with the value and a fix', (value, message, fix) => {
    const problems = problemsOf(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'spec.clusterDNSDomain', value });
    expect(problems[0]!.message).toContain(message);
    expect(problems[0]!.fix).toContain(fix);
  });

  it('refuses a value that is not a string in the schema, at its path', () => {
    const text = `apiVersion: hoist.dev/v1alpha1\nkind: Cluster\nmetadata: {name: demo.example.com}\nspec: {cloudProvider: local, kubernetesVersion: 1.34.0, subnets: [{name: a, zone: local-a, type: Public}], clusterDNSDomain: 5}\n`;
    expect(() => parseSpecSet(text, 'cluster.yaml', SPEC_RULES)).toThrow(/spec\.clusterDNSDomain/);
  });
});

describe('spec.clusterDNSDomain: defaults', () => {
  it('is cluster.local unless set, and the completed spec stays as written (no machine rolls for the default)', () => {
    expect(DEFAULT_CLUSTER_DNS_DOMAIN).toBe('cluster.local');
    expect(clusterDNSDomain(completed().cluster.spec)).toBe('cluster.local');
    expect(completed().cluster.spec).not.toHaveProperty('clusterDNSDomain');
    expect(clusterDNSDomain(completed({ clusterDNSDomain: DOMAIN }).cluster.spec)).toBe(DOMAIN);
  });
});

describe('spec.clusterDNSDomain: where the domain lands', () => {
  it('is every kubelet\'s clusterDomain', () => {
    for (const spec of [completed({ clusterDNSDomain: DOMAIN })]) {
      for (const ig of spec.instanceGroups) expect(kubeletSettings(spec, ig).clusterDomain).toBe(DOMAIN);
    }
    const plain = completed();
    expect(kubeletSettings(plain, plain.instanceGroups[0]!).clusterDomain).toBe('cluster.local');
  });

  it('is the zone of CoreDNS\'s kubernetes plugin, and nothing else in the Corefile changes', () => {
    const corefile = corefileOf({ clusterDNSDomain: DOMAIN });
    expect(corefile).toContain(`    kubernetes ${DOMAIN} in-addr.arpa ip6.arpa {`);
    expect(corefile).not.toContain('cluster.local');
    expect(corefileOf()).toBe(corefile.replace(DOMAIN, 'cluster.local'));
  });

  it('is in egressProxy\'s completed excludes, instead of cluster.local', () => {
    const proxy = { httpProxy: { host: 'proxy.corp.example', port: 3128 } };
    const excludes = completed({ clusterDNSDomain: DOMAIN, egressProxy: proxy }).cluster.spec.egressProxy?.excludes?.split(',');
    expect(excludes).toContain(DOMAIN);
    expect(excludes).not.toContain('cluster.local');
    expect(completed({ egressProxy: proxy }).cluster.spec.egressProxy?.excludes?.split(',')).toContain('cluster.local');
  });

  describe('the API server\'s certificate', () => {
    let ca: CertificateAuthority;
    let dir: string;
    beforeAll(async () => {
      const item = await createCA('kubernetes-ca');
      ca = { certificate: item.certificate!, privateKey: item.privateKey! };
      dir = mkdtempSync(join(tmpdir(), 'hoist-dns-domain-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const sans = async (spec: Partial<ClusterSpec>): Promise<string[]> => {
      const issued = await issueCertificate(ca, apiServerCertRequest(completed(spec), { addresses: [] }));
      const file = join(dir, 'apiserver.crt');
      writeFileSync(file, issued.certificate);
      const text = execFileSync('openssl', ['x509', '-in', file, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
      return text.split('\n').slice(1).join(',').split(',').map((s) => s.trim()).filter((s) => s !== '');
    };

    it('names kubernetes.default.svc.<domain>, and no longer the default domain', async () => {
      const names = await sans({ clusterDNSDomain: DOMAIN });
      expect(names).toContain(`DNS:kubernetes.default.svc.${DOMAIN}`);
      expect(names).not.toContain('DNS:kubernetes.default.svc.cluster.local');
      expect(await sans({})).toContain('DNS:kubernetes.default.svc.cluster.local');
      expect(readFileSync(join(dir, 'apiserver.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    });
  });
});

describe('spec.clusterDNSDomain: kops import', () => {
  it('keeps kops\'s clusterDNSDomain, and the result validates and reaches the kubelets', () => {
    const kops = readFileSync(join(import.meta.dirname, '../fixtures/kops-specs/minimal-aws.yaml'), 'utf8').replace(/^spec:\n/m, `spec:\n  clusterDNSDomain: ${DOMAIN}\n`);
    const set = parseSpecSet(withDnsZone(kops), 'minimal-aws.yaml', SPEC_RULES);
    expect(set.cluster.spec.clusterDNSDomain).toBe(DOMAIN);
    const report = set.documents.find((d) => d.converted !== undefined)?.converted;
    expect(report?.dropped.map((d) => d.path)).not.toContain('spec.clusterDNSDomain');
    const spec = completeSpec(set.cluster, set.instanceGroups);
    expect(validate(spec.cluster, spec.instanceGroups)).toEqual([]);
    expect(kubeletSettings(spec, spec.instanceGroups[0]!).clusterDomain).toBe(DOMAIN);
  });
});
