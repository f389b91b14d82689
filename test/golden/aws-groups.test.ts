/**
 * Golden files of what AWS is sent for groups with spot, a mixed-instances policy, IMDSv2 and
 * additionalUserData (test/aws/group-fields.ts): each launch template's data as
 * CreateLaunchTemplate sends it (its user data, a multipart MIME document, in a file of its own,
 * with the boot script's part named rather than copied, as the Terraform golden files hold it),
 * each Auto Scaling group's settings, and the Terraform blocks of both.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, validateSpecSet } from '../../src/api/index.js';
import { resolveFields } from '../../src/engine/diff.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { launchTemplateData } from '../../cloudup/aws/tasks/launch-template.js';
import type { LaunchTemplateFields } from '../../cloudup/aws/tasks/launch-template.js';
import { decodeUserData } from '../../cloudup/aws/tasks/launch-template.js';
import { SPEC_RULES, specRulesOf } from '../../cloudup/providers.js';
import { expectGolden } from '../support/golden.js';
import { testBoot } from '../support/boot.js';
import { groups } from '../aws/group-fields.js';
import { CLUSTER, fixtureSpec, moduleOf } from '../terraform/fixture.js';

const GROUPS = ['mixed', 'spot-max'];
const STORE = 's3://hoist-state/clusters';
const placeholder = (r: { $ref: string; output: string }) => `<${r.$ref} ${r.output}>`;

function spec() {
  const base = fixtureSpec();
  const set = completeSpec(base.cluster, [...base.instanceGroups, ...groups(CLUSTER, 'us-east-1b')]);
  expect(validateSpecSet(set.cluster, set.instanceGroups, specRulesOf('aws'))).toEqual([]);
  return set;
}

/** The boot script's part of a multipart user data, named instead of copied. */
function withoutBootScript(text: string): string {
  const parts = text.split(/(?=\r\n--hoist-part)/);
  expect(parts[1]).toContain('filename="hoist-boot.sh"');
  expect(parts[1]).toMatch(/\r\n\r\n#!\/bin\/bash\n# hoist boot script/);
  parts[1] = parts[1]!.replace(/\r\n\r\n#!\/bin\/bash\n[^]*$/, '\r\n\r\n<the boot script, as a group without additionalUserData has it>');
  return parts.join('');
}

describe('groups with spot, mixed instances, IMDSv2 and additionalUserData', () => {
  it('send AWS launch templates and Auto Scaling groups as in the golden files', async () => {
    expect(SPEC_RULES.aws.cloud).toBe('aws');
    const tasks = buildAwsTasks(spec(), testBoot({ stateStore: STORE, configHash: (ig) => `sha256:${ig}` }, CLUSTER));
    for (const group of GROUPS) {
      const name = `${group}.${CLUSTER}`;
      const template = tasks.find((t) => t.kind === 'LaunchTemplate' && t.name === name)!;
      const fields = resolveFields(template.desired, placeholder) as unknown as LaunchTemplateFields;
      const data = launchTemplateData(fields);
      const userData = decodeUserData(Buffer.from(data.UserData!, 'base64'));
      expect(userData).toBe(fields.userData);
      await expectGolden(`aws-groups/${group}-launch-template.json`, `${JSON.stringify({ ...data, UserData: `<gzip'd, base64: ${group}-user-data.txt>` }, null, 2)}\n`);
      await expectGolden(`aws-groups/${group}-user-data.txt`, withoutBootScript(userData));
      const asg = tasks.find((t) => t.kind === 'AutoScalingGroup' && t.name === name)!;
      await expectGolden(`aws-groups/${group}-autoscaling-group.json`, `${JSON.stringify(resolveFields(asg.desired, placeholder), null, 2)}\n`);
    }
  });

  it('render Terraform blocks as in the golden files', async () => {
    const module = await moduleOf(spec(), STORE);
    const main = JSON.parse(module.files.get('kubernetes.tf.json')!) as { resource: Record<string, Record<string, unknown>> };
    for (const group of GROUPS) {
      const id = `${group}-tf-aws-example-com`;
      const blocks = { aws_launch_template: main.resource['aws_launch_template']?.[id], aws_autoscaling_group: main.resource['aws_autoscaling_group']?.[id] };
      await expectGolden(`aws-groups/${group}.tf.json`, `${JSON.stringify(blocks, null, 2)}\n`);
      const userData = module.files.get(`data/aws_launch_template_${group}.${CLUSTER}_user_data`);
      expect(userData, 'the user data file of the group').toBeDefined();
      await expectGolden(`aws-groups/${group}-user-data.txt`, withoutBootScript(userData!));
    }
  });
});
