/**
 * The module's `terraform`, `provider` and `variable` blocks. The provider's region comes from
 * the spec; what differs between clouds and emulators (endpoints, skipped checks, path-style S3)
 * comes from variables, so that one module serves AWS and a test against moto alike.
 * State-store objects use a second provider (`aws.files`), since the bucket may live in another
 * region than the cluster.
 */

import type { TfJson, TfObject } from '../../../src/engine/target-terraform.js';

/** The services the module calls, each a key of `aws_endpoints`. */
export const ENDPOINT_SERVICES = ['autoscaling', 'ec2', 'elbv2', 'iam', 'route53', 's3', 'sts'] as const;

const SWITCHES = [
  ['skip_credentials_validation', 'do not check the credentials with STS first (emulators)'],
  ['skip_requesting_account_id', 'do not look up the account id (emulators)'],
  ['skip_metadata_api_check', 'do not ask the instance metadata service for credentials'],
  ['skip_region_validation', 'accept a region the provider does not know'],
  ['s3_use_path_style', 'address the state-store bucket by path (emulators)'],
] as const;

export interface ProviderOptions {
  readonly region: string;
  /** Present when the state store is on S3: its objects are written through `aws.files`. */
  readonly stateStoreRegion?: string;
}

export function providerBlocks(options: ProviderOptions): { terraform: TfObject; provider: TfObject; variable: TfObject } {
  const settings = (region: string, alias?: string): TfObject => ({
    ...(alias === undefined ? {} : { alias }),
    region,
    ...Object.fromEntries(SWITCHES.map(([name]) => [name, `\${var.aws_${name}}`])),
    dynamic: {
      endpoints: {
        // One endpoints block only when some endpoint is given; a missing service keeps AWS's own.
        for_each: '${length(var.aws_endpoints) > 0 ? [var.aws_endpoints] : []}',
        content: Object.fromEntries(ENDPOINT_SERVICES.map((s) => [s, `\${lookup(endpoints.value, "${s}", null)}`])),
      },
    },
  });
  const providers: TfJson[] = [settings(options.region)];
  const variable: Record<string, TfJson> = {
    aws_endpoints: {
      type: 'map(string)',
      default: {},
      description: `Endpoint URLs by service (${ENDPOINT_SERVICES.join(', ')}), e.g. an emulator's; empty for AWS itself.`,
    },
    ...Object.fromEntries(SWITCHES.map(([name, description]) => [`aws_${name}`, { type: 'bool', default: false, description: `The provider's ${name}: ${description}.` }])),
  };
  if (options.stateStoreRegion !== undefined) {
    providers.push(settings('${var.state_store_region}', 'files'));
    variable['state_store_region'] = { type: 'string', default: options.stateStoreRegion, description: 'The region of the state-store bucket.' };
  }
  return {
    terraform: { required_version: '>= 1.5.0', required_providers: { aws: { source: 'hashicorp/aws', version: '~> 5.0' } } },
    provider: { aws: providers },
    variable,
  };
}
