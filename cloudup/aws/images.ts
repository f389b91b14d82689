/**
 * kops's image names on AWS: `<owner>/<name>`, the owner an account id or one of the aliases kops
 * knows, looked up with DescribeImages when a plan is made (the newest image of that name wins,
 * as kops picks it). The launch template then carries the AMI id, so a newer image of the same
 * name shows in the plan as a template change, as it does in kops.
 */

import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { CompletedInstanceGroup, CompletedSpec } from '../../src/api/index.js';
import { instanceGroupPath } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';

/** kops's owner aliases (docs/operations/images.md). */
export const IMAGE_OWNER_ALIASES: Readonly<Record<string, string>> = {
  'kope.io': '383156758163',
  amazon: '137112412989',
  centos: '679593333241',
  debian9: '379101102735',
  debian10: '136693071363',
  flatcar: '075585003325',
  redhat: '309956199498',
  ubuntu: '099720109477',
};

/** An image given by owner and name: not an AMI id, not an SSM parameter, and with a slash. */
export function imageByName(image: string): { readonly owner: string; readonly name: string } | undefined {
  if (/^(ami-|ssm:|resolve:ssm:)/.test(image)) return undefined;
  const slash = image.indexOf('/');
  if (slash <= 0 || slash === image.length - 1) return undefined;
  const owner = image.slice(0, slash);
  return { owner: IMAGE_OWNER_ALIASES[owner] ?? owner, name: image.slice(slash + 1) };
}

/** The spec with every named image of its groups replaced by the AMI id it names now. */
export async function resolveImageNames(ec2: EC2Client, spec: CompletedSpec): Promise<CompletedSpec> {
  const named = [...new Set(spec.instanceGroups.map((ig) => ig.spec.image).filter((i) => imageByName(i) !== undefined))];
  if (named.length === 0) return spec;
  const ids = new Map(await Promise.all(named.map(async (image) => [image, await lookUp(ec2, image, spec)] as const)));
  const instanceGroups = spec.instanceGroups.map((ig): CompletedInstanceGroup => {
    const id = ids.get(ig.spec.image);
    return id === undefined ? ig : { ...ig, spec: { ...ig.spec, image: id } };
  });
  return { ...spec, instanceGroups };
}

async function lookUp(ec2: EC2Client, image: string, spec: CompletedSpec): Promise<string> {
  const { owner, name } = imageByName(image)!;
  const out = await ec2.send(new DescribeImagesCommand({ Owners: [owner], Filters: [{ Name: 'name', Values: [name] }] }));
  const newest = [...(out.Images ?? [])].filter((i) => i.ImageId).sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  if (newest?.ImageId) return newest.ImageId;
  const users = spec.instanceGroups.filter((ig) => ig.spec.image === image).map((ig) => ig.metadata.name);
  throw new HoistError('NOT_FOUND', `no image named ${name} of owner ${owner} in region ${spec.cluster.spec.region ?? 'of the cluster'} (spec.image ${image})`, {
    path: instanceGroupPath(users[0]!, ['spec', 'image']),
    hint: `check the name with: aws ec2 describe-images --owners ${owner} --filters Name=name,Values='${name}'; or give an AMI id (ami-…)`,
  });
}

/**
 * Terraform output is written without asking AWS: a group whose image is a name is refused, with
 * the lookup that gives its AMI id.
 */
export function refuseImageNames(spec: CompletedSpec): CompletedSpec {
  const ig = spec.instanceGroups.find((g) => imageByName(g.spec.image) !== undefined);
  if (ig === undefined) return spec;
  const { owner, name } = imageByName(ig.spec.image)!;
  throw new HoistError('UNSUPPORTED', `--target terraform needs an AMI id: spec.image of instance group ${ig.metadata.name} names an image (${ig.spec.image}), which only a plan against AWS looks up`, {
    path: instanceGroupPath(ig.metadata.name, ['spec', 'image']),
    hint: `set it to the AMI id that: aws ec2 describe-images --owners ${owner} --filters Name=name,Values='${name}' gives`,
  });
}
