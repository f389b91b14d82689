/**
 * The boot script fits AWS's user-data limit (16 KB before base64) once gzip'd, as launch
 * templates send it, for the largest specs hoist ships: every AWS spec of kops's own integration
 * tests (test/fixtures/kops-specs, imported) and the default cluster, each with a long state
 * store URL and a file repository, which the script carries several times. A script that would
 * not fit is refused at plan time, naming its group.
 */

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec, parseSpecSet } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { nodeRuntimeAsset } from '../../src/assets/node-runtime.js';
import { HoistError } from '../../src/errors.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { USER_DATA_LIMIT } from '../../cloudup/aws/model/user-data.js';
import type { LaunchTemplateFields } from '../../cloudup/aws/tasks/launch-template.js';
import { encodeUserData } from '../../cloudup/aws/tasks/launch-template.js';
import { fieldsOf } from '../../cloudup/aws/terraform/render.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';
import { withDnsZone } from '../support/kops-zone.js';

const dir = join(import.meta.dirname, '../fixtures/kops-specs');
const LONG_STORE = `s3://hoist-state-${'a'.repeat(40)}/${'clusters/production/'.repeat(6)}hoist`;
const MIRROR = `https://artifacts.internal.example.com/${'mirrors/'.repeat(12)}hoist`;
const HASH = `sha256:${'e'.repeat(64)}`;
/** Specs that give shared subnets by id alone: their ranges come from the cloud, so they plan only against one. */
const NEEDS_THE_CLOUD = ['private-shared-subnet.yaml'];

function withMirror(completed: CompletedSpec): CompletedSpec {
  const c = completed.cluster;
  return { ...completed, cluster: { ...c, spec: { ...c.spec, assets: { ...c.spec.assets, fileRepository: MIRROR } } } };
}

function awsSpecs(): { name: string; completed: CompletedSpec }[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const imported = files.filter((file) => !NEEDS_THE_CLOUD.includes(file)).map((file) => {
    const set = parseSpecSet(withDnsZone(readFileSync(join(dir, file), 'utf8')), file, SPEC_RULES);
    return { name: file, completed: completeSpec(set.cluster, set.instanceGroups) };
  });
  const created = newClusterSpec({ name: 'default.example.com', cloud: 'aws', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneCount: 3 }, SPEC_RULES);
  return [...imported, { name: 'create cluster (3 zones, 3 control planes)', completed: completeSpec(created.cluster, created.instanceGroups) }]
    .filter((s) => s.completed.cluster.spec.cloudProvider === 'aws')
    .map((s) => ({ ...s, completed: withMirror(s.completed) }));
}

/** The gzip'd size of each launch template's user data. */
function sentSizes(completed: CompletedSpec, stateStore = LONG_STORE): { group: string; bytes: number; text: string }[] {
  // The runtime from the mirror, as a plan of a cluster with this fileRepository pins it.
  const boot = { ...testBoot({ stateStore, configHash: () => HASH }, completed.cluster.metadata.name), node: nodeRuntimeAsset(MIRROR) };
  const tasks = buildAwsTasks(completed, boot);
  return tasks.filter((t) => t.kind === 'LaunchTemplate').map((t) => {
    const text = fieldsOf<LaunchTemplateFields>(t).userData;
    if (typeof text !== 'string') throw new Error(`${t.name}: user data is not text`);
    return { group: t.name, bytes: encodeUserData(text).length, text };
  });
}

describe('the boot script as AWS user data', () => {
  it('fits 16 KB gzip\'d for every AWS spec we ship, with a long state store URL and a mirror', () => {
    const specs = awsSpecs();
    expect(specs.length).toBeGreaterThanOrEqual(10);
    const all = specs.flatMap((s) => sentSizes(s.completed).map((u) => ({ ...u, spec: s.name })));
    const largest = all.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    // The largest, for the record (the test's output names it).
    console.info(`largest user data: ${largest.spec} ${largest.group}: ${largest.text.length} bytes, ${largest.bytes} gzip'd, of ${USER_DATA_LIMIT}`);
    expect(largest.bytes).toBeLessThanOrEqual(USER_DATA_LIMIT);
    for (const u of all) {
      // The boot script, alone or first in a multipart document (a group with additionalUserData).
      expect(u.text).toMatch(/^(Content-Type: multipart\/mixed; [^]*?\r\n\r\n--[^]*?\r\n\r\n)?#!\/bin\/bash\n/);
      expect(u.text).toContain(`: "\${HOIST_NODE_URL:=${MIRROR}/nodejs/`);
      expect(u.text).toContain(`NODEUP_URL='${LONG_STORE}/`);
    }
  });

  it('takes a script longer than the limit as text when it fits gzip\'d (the plan compresses only past zlib\'s bound)', () => {
    const [spec] = awsSpecs();
    // What gzip shrinks well, carried several times by the script: over 16 KB of text, far less gzip'd.
    const sent = sentSizes(spec!.completed, `s3://bucket/${'clusters/'.repeat(400)}hoist`);
    expect(sent.length).toBeGreaterThan(0);
    for (const u of sent) {
      expect(Buffer.byteLength(u.text)).toBeGreaterThan(USER_DATA_LIMIT);
      expect(u.bytes).toBeLessThanOrEqual(USER_DATA_LIMIT);
    }
  });

  it('refuses, at plan time and naming the group, a script that would not fit', () => {
    const [spec] = awsSpecs();
    // What gzip cannot shrink: a store URL of 20 KB of random bytes, in hex.
    const noise = randomBytes(20 * 1024).toString('hex');
    let error: unknown;
    try {
      sentSizes(spec!.completed, `s3://bucket/${noise}`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HoistError);
    expect((error as HoistError).code).toBe('INVALID_SPEC');
    expect((error as HoistError).message).toMatch(/^InstanceGroup\/[\w.-]+: the boot script (is|and spec.additionalUserData are) \d+ bytes gzip'd, over AWS's user-data limit of 16384 bytes$/);
  });
});
