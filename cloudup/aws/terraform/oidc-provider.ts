/** IAMOIDCProvider → `aws_iam_openid_connect_provider`, tagged as the direct target tags it. Its `id` to hoist is its ARN. */

import type { OidcProviderFields } from '../tasks/oidc-provider.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const oidcProviderRenderer: AwsTfRenderer = {
  kind: 'IAMOIDCProvider',
  render(task, ctx, env) {
    const d = fieldsOf<OidcProviderFields>(task);
    return resource(
      'aws_iam_openid_connect_provider',
      {
        url: ctx.value(d.url),
        client_id_list: ctx.value(d.clientIds),
        thumbprint_list: ctx.value(d.thumbprints),
        tags: ctx.value({ ...env.clusterTags, Name: task.name }),
      },
      { id: 'arn', arn: 'arn' },
    );
  },
};
