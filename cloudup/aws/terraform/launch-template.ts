/**
 * LaunchTemplate → `aws_launch_template`, the user data (the boot script) as text in `data/`,
 * sent gzip'd and base64 (`base64gzip`) as the direct target sends it. A change makes
 * a new version, which becomes the default (`update_default_version`), and the Auto Scaling
 * group follows `latest_version`, as with the direct target.
 *
 * The template's own tags are `aws_ec2_tag` resources (one block, a tag each) rather than its
 * `tags` argument, which the template ignores. Like the direct target, this sets the tags the
 * spec names and leaves others alone. It also keeps moto (5.2.1) converging: given `tags`, the
 * provider sends them in CreateLaunchTemplate's TagSpecifications, which moto also copies into
 * the first version's data as a `launch-template` tag specification (AWS does not), so every
 * later plan would want a new version.
 */

import { tfName } from '../../../src/engine/target-terraform.js';
import { HoistError } from '../../../src/errors.js';
import type { LaunchTemplateFields } from '../tasks/launch-template.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const launchTemplateRenderer: AwsTfRenderer = {
  kind: 'LaunchTemplate',
  render(task, ctx) {
    const d = fieldsOf<LaunchTemplateFields>(task);
    const root = d.rootVolume;
    const metadata = d.metadataOptions;
    const userData = d.userData;
    if (typeof userData !== 'string') throw new HoistError('INTERNAL', `LaunchTemplate/${task.name}: userData must be text`);
    const block = resource(
      'aws_launch_template',
      {
        name: ctx.value(d.launchTemplateName),
        image_id: ctx.value(d.imageId),
        instance_type: ctx.value(d.instanceType),
        update_default_version: true,
        user_data: ctx.file(`aws_launch_template_${task.name}_user_data`, userData, 'base64gzip'),
        iam_instance_profile: [{ name: ctx.value(d.iamInstanceProfile) }],
        key_name: d.keyName === '' ? undefined : ctx.value(d.keyName),
        network_interfaces: [
          {
            device_index: 0,
            associate_public_ip_address: ctx.value(d.associatePublicIpAddress),
            delete_on_termination: true,
            security_groups: ctx.value(d.securityGroupIds),
          },
        ],
        block_device_mappings: [
          {
            device_name: ctx.value(root.deviceName),
            ebs: [{ volume_size: ctx.value(root.volumeSize), volume_type: ctx.value(root.volumeType), encrypted: ctx.value(root.encrypted), delete_on_termination: true }],
          },
        ],
        metadata_options: [{ http_endpoint: 'enabled', http_tokens: ctx.value(metadata.httpTokens), http_put_response_hop_limit: ctx.value(metadata.httpPutResponseHopLimit) }],
        tag_specifications: [
          { resource_type: 'instance', tags: ctx.value(d.instanceTags) },
          { resource_type: 'volume', tags: ctx.value(d.volumeTags) },
        ],
        lifecycle: { ignore_changes: ['tags'] },
      },
      { id: 'id', latestVersion: 'latest_version' },
    );
    const tags = ctx.value(d.tags);
    const tagged = { for_each: tags, resource_id: `\${aws_launch_template.${tfName(task.name)}.id}`, key: '${each.key}', value: '${each.value}' };
    return { ...block, companions: [{ type: 'aws_ec2_tag', body: tagged }] };
  },
};
