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
import type { TfObject, TfRenderContext } from '../../../src/engine/target-terraform.js';
import { isRef } from '../../../src/engine/task.js';
import type { Unresolved } from '../../../src/engine/task.js';
import type { EbsDevice, LaunchTemplateFields } from '../tasks/launch-template.js';
import { DEFAULT_TENANCY } from '../tasks/launch-template-data.js';
import type { AwsTfRenderer } from './render.js';
import { compact, fieldsOf, resource } from './render.js';

type Device = Unresolved<EbsDevice>;
const ebs = (device: Device, deleteOnTermination: Unresolved<boolean>) => ({ device, deleteOnTermination });

/** An EBS device's arguments; IOPS, throughput and key only where the task sets them. */
function ebsArguments(ctx: TfRenderContext, v: Device, deleteOnTermination: Unresolved<boolean>): TfObject {
  return compact({
    volume_size: ctx.value(v.volumeSize),
    volume_type: ctx.value(v.volumeType),
    encrypted: ctx.value(v.encrypted),
    delete_on_termination: ctx.value(deleteOnTermination),
    iops: v.iops === undefined ? undefined : ctx.value(v.iops),
    throughput: v.throughput === undefined ? undefined : ctx.value(v.throughput),
    kms_key_id: v.kmsKeyId === undefined ? undefined : ctx.value(v.kmsKeyId),
  });
}

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
          compact({
            device_index: 0,
            associate_public_ip_address: ctx.value(d.associatePublicIpAddress),
            delete_on_termination: true,
            security_groups: ctx.value(d.securityGroupIds),
            ipv6_address_count: d.ipv6AddressCount === undefined ? undefined : ctx.value(d.ipv6AddressCount),
            ipv6_prefix_count: d.ipv6PrefixCount === undefined ? undefined : ctx.value(d.ipv6PrefixCount),
          }),
        ],
        block_device_mappings: [ebs(root, true), ...(d.volumes ?? []).map((v) => ebs(v, v.deleteOnTermination))].map((m) => ({ device_name: ctx.value(m.device.deviceName), ebs: [ebsArguments(ctx, m.device, m.deleteOnTermination)] })),
        metadata_options: [
          compact({
            http_endpoint: 'enabled',
            http_tokens: ctx.value(metadata.httpTokens),
            http_put_response_hop_limit: ctx.value(metadata.httpPutResponseHopLimit),
            http_protocol_ipv6: d.httpProtocolIpv6 === undefined ? undefined : ctx.value(d.httpProtocolIpv6),
          }),
        ],
        instance_market_options: d.spot && !isRef(d.spot)
          ? [{ market_type: 'spot', spot_options: [compact({ max_price: ctx.value(d.spot.maxPrice), instance_interruption_behavior: d.spot.instanceInterruptionBehavior === undefined ? undefined : ctx.value(d.spot.instanceInterruptionBehavior) })] }]
          : undefined,
        credit_specification: d.cpuCredits ? [{ cpu_credits: ctx.value(d.cpuCredits) }] : undefined,
        // Left out when off, the default that Terraform then keeps.
        monitoring: d.monitoring ? [{ enabled: ctx.value(d.monitoring) }] : undefined,
        // Shared tenancy and no EBS optimization are left out, as the direct target sends them.
        placement: d.tenancy !== undefined && d.tenancy !== DEFAULT_TENANCY ? [{ tenancy: ctx.value(d.tenancy) }] : undefined,
        ebs_optimized: d.ebsOptimized ? 'true' : undefined,
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
