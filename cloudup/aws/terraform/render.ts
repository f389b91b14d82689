/**
 * What the AWS renderers of the terraform target share: the environment they render in, and
 * small helpers that keep each renderer a plain mapping from hoist's desired fields (named after
 * the AWS API) to the hashicorp/aws provider's arguments.
 */

import type { TfBlock, TfJson, TfObject, TfRenderer } from '../../../src/engine/target-terraform.js';
import { escapeTemplate } from '../../../src/engine/target-terraform.js';
import type { Task, Unresolved, Value } from '../../../src/engine/task.js';
import type { WarmPoolFields } from '../tasks/warm-pool.js';

export interface AwsTfEnv {
  readonly cluster: string;
  /** Ownership tags and cloud labels: what the direct target tags IAM objects with when it makes them. */
  readonly clusterTags: Readonly<Record<string, string>>;
  /** Each group's warm pool, by the group's task name: the `warm_pool` block of its aws_autoscaling_group (warm-pool.ts). */
  readonly warmPools?: ReadonlyMap<string, Unresolved<WarmPoolFields>>;
}

export type AwsTfRenderer = TfRenderer<AwsTfEnv>;

/** A managed resource; `attributes` maps hoist's outputs to the resource's attributes. */
export function resource(type: string, body: Readonly<Record<string, TfJson | undefined>>, attributes: Readonly<Record<string, string>> = { id: 'id' }): TfBlock {
  return { mode: 'resource', type, body: compact(body), attributes };
}

/** A data source: an object hoist uses but does not own (given by id in the spec). */
export function data(type: string, body: Readonly<Record<string, TfJson | undefined>>, attributes: Readonly<Record<string, string>> = { id: 'id' }): TfBlock {
  return { mode: 'data', type, body: compact(body), attributes };
}

/** Fields that are absent are left out, so the provider's defaults apply. */
export function compact(body: Readonly<Record<string, TfJson | undefined>>): TfObject {
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, TfJson] => e[1] !== undefined));
}

/**
 * A task's desired fields as its kind's file declares them (`D`), Refs not yet resolved: the
 * task was made by that kind's constructor, which typed them.
 */
export function fieldsOf<D extends object>(task: Task): Unresolved<D> {
  return task.desired as unknown as Unresolved<D>;
}

/** A string literal inside an HCL expression. */
export function hclString(text: string): string {
  return JSON.stringify(escapeTemplate(text));
}

/**
 * Postconditions that make a data source check what the spec says of an object hoist does not
 * own, as the direct target's ExistsAndValidates lifecycle does.
 */
export function expectations(subject: string, checks: readonly (readonly [attribute: string, expected: string])[]): TfObject | undefined {
  if (checks.length === 0) return undefined;
  return {
    postcondition: checks.map(([attribute, expected]) => ({
      condition: `\${self.${attribute} == ${expected}}`,
      error_message: `${escapeTemplate(subject)}: ${attribute} differs from the spec; hoist does not change objects it does not own.`,
    })),
  };
}

export function isString(v: Value | undefined): v is string {
  return typeof v === 'string';
}
