/**
 * The machines' identities: a service account for the control plane (shared by its groups, as
 * kops shares one) and one for each other group, so that a group's machines can read only their
 * own configuration, as each AWS group's role can. Their rights:
 *
 * - on the project, the roles kops gives: the control plane `roles/container.serviceAgent` (what
 *   the cloud controller, the disk CSI controller, cluster-autoscaler and nodeup's etcd disks need
 *   of Compute), and every account the log and metric writers;
 * - on a gs:// state store's bucket, object roles narrowed by IAM Conditions on the objects'
 *   names: a node group reads its own `igconfig/<group>/`, the issued certificates `pki/issued/`
 *   and the nodeup bundles `nodeup/`, and writes only its own reports
 *   `status/instances/<group>/`; the control plane reads and writes the cluster's folder (and
 *   may list the bucket: GCS checks a listing against the bucket, not a prefix).
 *
 * `spec.cloudConfig.gceServiceAccount` names an existing account instead (kops's field): every
 * machine runs as it, as kops has it; hoist makes and deletes no account and gives it no project
 * role (they are its owner's), and on a gs:// store binds it on the bucket as the control plane,
 * which it also runs as, with a condition titled after the cluster so that the binding is found
 * and taken off again. `default` (the project's default compute account) gets no binding: its
 * email is not in the spec, and its project Editor role reaches a bucket of its project.
 */

import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Task, TaskId } from '../../../src/engine/task.js';
import { idOf } from '../../../src/engine/task.js';
import { DEFAULT_ACCOUNT, existingAccount } from '../existing-account.js';
import { accountEmail, accountId, memberOf, sharedAccountTitle } from '../iam-names.js';
import { bucketIamMemberTask, bucketMemberName } from '../tasks/bucket-iam-member.js';
import type { BucketIamMemberFields } from '../tasks/bucket-iam-member.js';
import { projectIamMemberTask, projectMemberName } from '../tasks/project-iam-member.js';
import { serviceAccountTask } from '../tasks/service-account.js';

export const CONTROL_PLANE_PROJECT_ROLES = ['roles/container.serviceAgent', 'roles/logging.logWriter', 'roles/monitoring.metricWriter'] as const;
export const NODE_PROJECT_ROLES = ['roles/logging.logWriter', 'roles/monitoring.metricWriter'] as const;
/** Read objects (get; its list is checked against the bucket, which no condition here admits). */
export const READ_ROLE = 'roles/storage.objectViewer';
/** Read, write and delete objects (a report is overwritten in place), and list. */
export const WRITE_ROLE = 'roles/storage.objectUser';

export interface Account {
  readonly email: string;
  /** The account's task; none for an existing account hoist does not manage. */
  readonly task?: TaskId;
}

export interface GceIam {
  readonly tasks: Task[];
  /** The account each instance group's machines run as. */
  readonly accounts: ReadonlyMap<string, Account>;
}

/** A gs:// store's bucket and the cluster's folder in it (with a trailing slash). */
export function gcsLocation(stateStore: string, cluster: string): { readonly bucket: string; readonly prefix: string } | undefined {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(stateStore);
  if (!m) return undefined;
  const folder = m[2]!.replace(/^\/+|\/+$/g, '');
  return { bucket: m[1]!, prefix: `${folder === '' ? '' : `${folder}/`}${cluster}/` };
}

/** The CEL of "the object's name starts with one of these", as GCS names objects in conditions. */
export function objectsUnder(bucket: string, prefixes: readonly string[]): string {
  return prefixes.map((p) => `resource.name.startsWith(${JSON.stringify(`projects/_/buckets/${bucket}/objects/${p}`)})`).join(' || ');
}

export function iamTasks(spec: SettledSpec, stateStore: string): GceIam {
  const cluster = spec.cluster.metadata.name;
  const project = spec.cluster.spec.project ?? '';
  const store = gcsLocation(stateStore, cluster);
  const tasks: Task[] = [];
  const accounts = new Map<string, Account>();

  const account = (id: string, displayName: string, projectRoles: readonly string[], bucketRoles: readonly Omit<BucketIamMemberFields, 'bucket' | 'member'>[]): Account => {
    const task = serviceAccountTask(id, { displayName });
    const email = accountEmail(id, project);
    const deps = { dependsOn: [idOf(task)] };
    tasks.push(task);
    for (const role of projectRoles) tasks.push(projectIamMemberTask(projectMemberName(id, role), { role, member: memberOf(email) }, deps));
    if (store) for (const b of bucketRoles) tasks.push(bucketIamMemberTask(bucketMemberName(id, b.role), { bucket: store.bucket, member: memberOf(email), ...b }, deps));
    return { email, task: idOf(task) };
  };

  // The bucket itself is named too: GCS checks a listing against the bucket, not a prefix.
  const folderOf = (title: string) => store && { title, description: `the control plane of ${cluster}: its folder of the state store`.slice(0, 256), expression: `resource.name == ${JSON.stringify(`projects/_/buckets/${store.bucket}`)} || ${objectsUnder(store.bucket, [store.prefix])}` };
  const existing = existingAccount(spec);
  if (existing !== undefined) {
    const condition = existing === DEFAULT_ACCOUNT ? undefined : folderOf(sharedAccountTitle(cluster));
    if (store && condition) tasks.push(bucketIamMemberTask(bucketMemberName(existing, WRITE_ROLE), { bucket: store.bucket, role: WRITE_ROLE, member: memberOf(existing), condition }));
    for (const ig of spec.instanceGroups) accounts.set(ig.metadata.name, { email: existing });
    return { tasks, accounts };
  }
  const controlPlane = spec.instanceGroups.filter((ig) => ig.spec.role === 'ControlPlane');
  if (controlPlane.length > 0) {
    const folder = folderOf('hoist-control-plane');
    const a = account(accountId(cluster, { controlPlane: true }), `hoist control plane of ${cluster}`.slice(0, 100), CONTROL_PLANE_PROJECT_ROLES, folder ? [{ role: WRITE_ROLE, condition: folder }] : []);
    for (const ig of controlPlane) accounts.set(ig.metadata.name, a);
  }
  for (const ig of spec.instanceGroups.filter((g) => g.spec.role !== 'ControlPlane')) {
    const group = ig.metadata.name;
    const read = store && { title: 'hoist-node-read', description: `group ${group} of ${cluster}: its configuration, the issued certificates, nodeup`.slice(0, 256), expression: objectsUnder(store.bucket, [`${store.prefix}igconfig/${group}/`, `${store.prefix}pki/issued/`, `${store.prefix}nodeup/`]) };
    const report = store && { title: 'hoist-node-report', description: `group ${group} of ${cluster}: its machines' reports`.slice(0, 256), expression: objectsUnder(store.bucket, [`${store.prefix}status/instances/${group}/`]) };
    const bucketRoles = read && report ? [{ role: READ_ROLE, condition: read }, { role: WRITE_ROLE, condition: report }] : [];
    accounts.set(group, account(accountId(cluster, { group }), `hoist group ${group} of ${cluster}`.slice(0, 100), NODE_PROJECT_ROLES, bucketRoles));
  }
  return { tasks, accounts };
}
