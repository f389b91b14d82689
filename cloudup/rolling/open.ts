/** The rolling-update side of each cloud. */

import type { CompletedSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import type { CloudSession } from '../cloud.js';
import type { GceContext } from '../gce/context.js';
import { gceRollingCloud } from '../gce/rolling.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { AwsContext } from '../aws/context.js';
import type { LocalContext } from '../local/context.js';
import { localRollingCloud } from '../local/rolling.js';
import type { RollingCloud } from './types.js';

export async function rollingCloudOf(session: CloudSession, spec: CompletedSpec, store: ObjectStore): Promise<RollingCloud> {
  switch (session.cloud) {
    case 'local':
      return localRollingCloud((session.ctx as LocalContext).client, spec);
    case 'aws': {
      // Loaded with the AWS SDK, only for AWS clusters.
      const { awsRollingCloud } = await import('../aws/rolling.js');
      return awsRollingCloud(session.ctx as AwsContext, spec, store);
    }
    case 'gce':
      return gceRollingCloud(session.ctx as GceContext, spec, store);
    default:
      throw new HoistError('UNSUPPORTED', `rolling updates on ${session.cloud} are not available in this version of hoist yet`);
  }
}
