/**
 * The AWS SDK v3 clients of a session, configured once: region, endpoint and credentials from
 * the command's environment, adaptive retries, and two middlewares on every client — one counts
 * every attempt on the wire, one keeps the SDK from resending a create that may have happened.
 */

import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { Pluggable } from '@smithy/types';
import { clientConfig } from './client-config.js';
import { AmbiguousCreateError, isThrottling } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface AwsClients {
  readonly ec2: EC2Client;
  readonly autoscaling: AutoScalingClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly iam: IAMClient;
  readonly route53: Route53Client;
}

export interface ClientOptions {
  readonly region: string;
  readonly env: Env;
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  /** Added to every client after hoist's own middleware (tests inject faults this way). */
  readonly plugins: readonly Pluggable<object, object>[];
  /** Called once per attempt of any call. */
  readonly onAttempt: () => void;
}

/**
 * Creates whose API has no idempotency token that AWS honours everywhere: after a 5xx the
 * object may exist, so the SDK must not send the call again. The task retries instead, and
 * looks for the object by its tags before it creates anything.
 */
const NOT_IDEMPOTENT = new Set([
  'CreateVpcCommand',
  'CreateSubnetCommand',
  'CreateInternetGatewayCommand',
  'CreateRouteTableCommand',
  'AllocateAddressCommand',
  'CreateNatGatewayCommand',
  'CreateSecurityGroupCommand',
  'CreateVolumeCommand',
  'CreateLaunchTemplateCommand',
  'CreateLaunchTemplateVersionCommand',
  'CreateLoadBalancerCommand',
  'CreateTargetGroupCommand',
  'CreateListenerCommand',
  // AWS refuses a second group of a name; an emulator may replace the first and strand its machines.
  'CreateAutoScalingGroupCommand',
]);

export function createClients(options: ClientOptions): AwsClients {
  const config = (endpointVar: string) => clientConfig(options, endpointVar);
  const clients: AwsClients = {
    ec2: new EC2Client(config('EC2')),
    autoscaling: new AutoScalingClient(config('AUTO_SCALING')),
    elbv2: new ElasticLoadBalancingV2Client(config('ELASTIC_LOAD_BALANCING_V2')),
    iam: new IAMClient(config('IAM')),
    route53: new Route53Client(config('ROUTE_53')),
  };
  for (const client of Object.values(clients) as { middlewareStack: MiddlewareStackLike }[]) {
    // Both sit inside the retry middleware (finalizeRequest, high priority): they see each attempt.
    client.middlewareStack.add(
      (next: Handler) => async (args: unknown) => {
        options.onAttempt();
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'hoistAttemptCounter' },
    );
    client.middlewareStack.add(
      (next: Handler, context: { commandName?: string }) => async (args: unknown) => {
        try {
          return await next(args);
        } catch (e) {
          if (context.commandName && NOT_IDEMPOTENT.has(context.commandName) && !isThrottling(e) && isServerSide(e)) {
            throw new AmbiguousCreateError(context.commandName, e);
          }
          throw e;
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'hoistAmbiguousCreate' },
    );
    for (const plugin of options.plugins) client.middlewareStack.use(plugin as never);
  }
  return clients;
}

export function destroyClients(clients: AwsClients): void {
  for (const client of Object.values(clients) as { destroy(): void }[]) client.destroy();
}

type Handler = (args: unknown) => Promise<unknown>;
interface MiddlewareStackLike {
  add(middleware: unknown, options: object): void;
  use(plugin: never): void;
}

/** A 5xx or a dropped connection: the request may or may not have been carried out. */
function isServerSide(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && ['ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code);
}
