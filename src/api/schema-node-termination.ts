/**
 * kops's `spec.nodeTerminationHandler` (aws-node-termination-handler), with kops v1alpha2's names,
 * in the mode hoist runs: IMDS, a pod on every node that watches its own machine's instance
 * metadata. Defaults and rules are node-termination-handler.ts.
 */

import * as z from 'zod';
import { QuantitySchema } from './schema-components.js';

/** A release tag of aws-node-termination-handler, as its image is tagged. */
export const NTH_VERSION = /^v\d+\.\d+\.\d+$/;

export const NodeTerminationHandlerSchema = z
  .strictObject({
    enabled: z.boolean().optional().describe('Install the handler. Default: true once spec.nodeTerminationHandler is written (kops\'s default); false leaves it out.'),
    enableSpotInterruptionDraining: z.boolean().optional().describe('Cordon and drain a node when its spot instance gets an interruption notice (two minutes before it is reclaimed). Default: true.'),
    enableScheduledEventDraining: z.boolean().optional().describe('Cordon and drain a node before the window of an EC2 scheduled event (maintenance, retirement) of its instance. Default: true.'),
    enableRebalanceMonitoring: z.boolean().optional().describe('Cordon a node when its instance gets an EC2 rebalance recommendation (a raised risk of spot interruption). Default: false.'),
    enableRebalanceDraining: z.boolean().optional().describe('Cordon and drain a node when its instance gets a rebalance recommendation. Default: false.'),
    prometheusEnable: z.boolean().optional().describe('Serve Prometheus metrics on port 9092 of each node (/metrics). Default: false.'),
    enableSQSTerminationDraining: z
      .boolean()
      .optional()
      .describe('kops\'s queue-processor mode (an SQS queue fed by EventBridge rules and Auto Scaling lifecycle hooks). Not supported: true is refused; hoist runs the IMDS mode. Default: false.'),
    excludeFromLoadBalancers: z.boolean().optional().describe('Label a node node.kubernetes.io/exclude-from-external-load-balancers before cordoning it, so load balancers stop sending to it. Default: true.'),
    managedASGTag: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'The instance tag the queue-processor mode checks before it drains. The IMDS mode hoist runs drains only its own node and reads no tag: kept so a kops spec imports unchanged. Default: aws-node-termination-handler/managed.', examples: ['aws-node-termination-handler/managed'] }),
    podTerminationGracePeriod: z
      .int()
      .min(-1)
      .optional()
      .describe('Seconds each evicted pod gets to stop; -1 uses the pod\'s own terminationGracePeriodSeconds. Default: -1.'),
    taintNode: z.boolean().optional().describe('Taint a node (aws-node-termination-handler/spot-itn and the like, NoSchedule) when an event comes, besides cordoning it. Default: false.'),
    cpuRequest: QuantitySchema.optional().describe('The CPU each handler pod requests. Default: 50m.'),
    memoryRequest: QuantitySchema.optional().describe('The memory each handler pod requests. Default: 64Mi.'),
    version: z
      .string()
      .regex(NTH_VERSION, 'a release tag of aws-node-termination-handler such as v1.22.0')
      .optional()
      .meta({ description: 'The image tag of aws-node-termination-handler (public.ecr.aws/aws-ec2/aws-node-termination-handler). Default: v1.22.0, as kops pins it.', examples: ['v1.22.0'] }),
  })
  .describe('aws: aws-node-termination-handler in IMDS mode, a DaemonSet on every Linux node (spot ones included) that watches its instance\'s metadata for spot interruption notices, scheduled events and rebalance recommendations and cordons and drains its own node before the machine goes. Refused on other clouds.');

/** Spread into the cluster's spec. */
export const NodeTerminationHandlerShape = {
  nodeTerminationHandler: NodeTerminationHandlerSchema.optional(),
};
