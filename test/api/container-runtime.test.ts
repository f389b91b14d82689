/**
 * kops's spec.containerRuntime: containerd, the one runtime hoist runs (and the only one kops
 * still accepts), is accepted and defaulted in one place; any other runtime is refused at its
 * path with the reason; the kops import keeps the field rather than dropping it.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerRuntime, CONTAINER_RUNTIME } from '../../src/api/defaults.js';
import { parseSpecSet, parseSpecText } from '../../src/api/index.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { withDnsZone } from '../support/kops-zone.js';
import { cluster, groups, validate } from './fixtures.js';

const kops = readFileSync(join(import.meta.dirname, '../fixtures/kops-specs/minimal-aws.yaml'), 'utf8');
const withRuntime = (runtime: string) => withDnsZone(kops.replace(/^ {2}channel: stable$/m, `  channel: stable\n  containerRuntime: ${runtime}`));

describe('spec.containerRuntime', () => {
  it('accepts containerd, and defaults to it in one place', () => {
    expect(validate(cluster({ containerRuntime: 'containerd' }), groups())).toEqual([]);
    expect(validate(cluster(), groups())).toEqual([]);
    expect(containerRuntime({})).toBe('containerd');
    expect(containerRuntime({ containerRuntime: 'containerd' })).toBe(CONTAINER_RUNTIME);
  });

  it.each(['docker', 'cri-o', '', 'Containerd'])('refuses %j at its path, with the reason and a fix', (runtime) => {
    const problems = validate(cluster({ containerRuntime: runtime }), groups());
    expect(problems).toEqual([
      expect.objectContaining({ path: 'spec.containerRuntime', value: runtime, fix: 'use containerd, or leave it out' }),
    ]);
    expect(problems[0]?.message).toContain('always run containerd');
  });

  it('is kept by the kops import: containerd carried, another runtime refused rather than dropped', () => {
    const docs = parseSpecText(withRuntime('containerd'), 'minimal-aws.yaml', SPEC_RULES);
    const imported = docs.find((d) => d.kind === 'Cluster');
    expect(imported?.converted?.dropped.map((d) => d.path)).not.toContain('spec.containerRuntime');
    expect(parseSpecSet(withRuntime('containerd'), 'minimal-aws.yaml', SPEC_RULES).cluster.spec.containerRuntime).toBe('containerd');
    expect(() => parseSpecSet(withRuntime('docker'), 'minimal-aws.yaml', SPEC_RULES)).toThrow(/spec\.containerRuntime/);
  });
});
