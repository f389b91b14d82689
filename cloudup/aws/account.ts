/**
 * The AWS account the command's credentials act in, from STS's GetCallerIdentity: what an addon
 * needs to name an IAM role the model makes by its ARN (the pod identity webhook's role mapping).
 * The role's own ARN is only known once it exists, and the addons are rendered before the cloud
 * is opened (and published without it for `--target terraform`), as kops reads its account ID.
 * The STS client is loaded only for a spec that needs the account.
 */

import { HoistError } from '../../src/errors.js';
import type { CloudAccount } from '../addons/types.js';
import { clientConfig } from './client-config.js';
import { partitionOf } from './model/iam-policies.js';

type Env = Readonly<Record<string, string | undefined>>;

export async function callerAccount(region: string, env: Env): Promise<CloudAccount> {
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient(clientConfig({ region, env, maxAttempts: 4 }, 'STS'));
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (identity.Account === undefined || !/^\d{12}$/.test(identity.Account)) {
      throw new HoistError('CLOUD', `STS GetCallerIdentity named no AWS account (${String(identity.Account)})`);
    }
    // The caller's ARN names the partition (arn:aws-cn:…); the region's is the same where STS answers.
    const partition = identity.Arn?.split(':')[1] || partitionOf(region);
    return { id: identity.Account, partition };
  } catch (e) {
    if (e instanceof HoistError) throw e;
    throw new HoistError('CLOUD', `could not read the AWS account of the credentials (STS GetCallerIdentity): ${(e as Error).message}`, {
      hint: 'the pod identity webhook names the service accounts\' IAM roles by ARN: give hoist AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID…) of the account the cluster is in',
      cause: e,
    });
  } finally {
    sts.destroy();
  }
}
