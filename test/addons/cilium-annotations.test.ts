/**
 * kops's networking.cilium.agentPodAnnotations and operatorPodAnnotations: carried onto the pod
 * templates of the cilium agent's DaemonSet and the operator's Deployment (and nowhere else; no
 * annotations at all when unset, so existing manifests are unchanged); a key Kubernetes would
 * refuse is refused at its path; the kops import of privatecilium.yaml keeps both maps.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec, parseSpecSet } from '../../src/api/index.js';
import type { Cluster, CompletedSpec } from '../../src/api/index.js';
import { builtinAddons } from '../../cloudup/addons/render.js';
import type { CloudAddons, KubeObject } from '../../cloudup/addons/types.js';
import { cloudAddonsOf, SPEC_RULES } from '../../cloudup/providers.js';
import { withDnsZone } from '../support/kops-zone.js';
import { validate } from '../api/fixtures.js';

let aws: CloudAddons;
beforeAll(async () => {
  aws = await cloudAddonsOf('aws');
});

function spec(cilium: NonNullable<NonNullable<Cluster['spec']['networking']>['cilium']>): CompletedSpec {
  const made = newClusterSpec({ name: 'cilium.example.com', cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
  return completeSpec({ ...made.cluster, spec: { ...made.cluster.spec, networking: { cilium } } }, made.instanceGroups);
}

function templates(c: CompletedSpec): Record<string, { annotations?: Record<string, string> }> {
  const objects: readonly KubeObject[] = builtinAddons(c, aws).find((a) => a.name === 'cilium')!.objects;
  return Object.fromEntries(
    objects.filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment').map((o) => [`${o.kind}/${o.metadata.name}`, (o['spec'] as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata]),
  );
}

describe('cilium pod annotations', () => {
  it('go onto the agent\'s and the operator\'s pod templates, each its own', () => {
    const c = spec({ agentPodAnnotations: { 'prometheus.io/scrape': 'true', test1: 'agent' }, operatorPodAnnotations: { test1: 'operator' } });
    expect(validate(c.cluster, c.instanceGroups)).toEqual([]);
    const t = templates(c);
    expect(t['DaemonSet/cilium']?.annotations).toEqual({ 'prometheus.io/scrape': 'true', test1: 'agent' });
    expect(t['Deployment/cilium-operator']?.annotations).toEqual({ test1: 'operator' });
  });

  it('leave the templates without annotations when unset or empty', () => {
    for (const c of [spec({}), spec({ agentPodAnnotations: {}, operatorPodAnnotations: {} })]) {
      for (const metadata of Object.values(templates(c))) expect(metadata).not.toHaveProperty('annotations');
    }
  });

  it('refuse a key Kubernetes would refuse, at its path', () => {
    const c = spec({ agentPodAnnotations: { 'bad key': 'x' }, operatorPodAnnotations: { 'Example.com/owner': 'y', '/x': 'z' } });
    const found = validate(c.cluster, c.instanceGroups);
    expect(found.map((p) => p.path)).toEqual(['spec.networking.cilium.agentPodAnnotations["bad key"]', 'spec.networking.cilium.operatorPodAnnotations["Example.com/owner"]', 'spec.networking.cilium.operatorPodAnnotations["/x"]']);
    expect(found[0]).toMatchObject({ value: 'x', message: expect.stringContaining('is not a valid Kubernetes annotation key') as unknown, fix: 'e.g. example.com/owner: web' });
  });

  it('are kept by the kops import (privatecilium.yaml)', () => {
    const text = readFileSync(join(import.meta.dirname, '../fixtures/kops-specs/privatecilium.yaml'), 'utf8');
    const set = parseSpecSet(withDnsZone(text), 'privatecilium.yaml', SPEC_RULES);
    expect(set.documents.flatMap((d) => d.converted?.dropped ?? []).map((d) => d.path).filter((p) => p.startsWith('spec.networking'))).toEqual([]);
    expect(set.cluster.spec.networking?.cilium).toEqual({
      agentPodAnnotations: { test1: 'true', test2: '123', test3: 'awesome' },
      operatorPodAnnotations: { test1: 'true', test2: '123', test3: 'cilium-operator' },
    });
  });
});
