/**
 * `as=Table` answers: the rows and columns kubectl prints for `kubectl get`, computed by the
 * server as kube-apiserver does (nodes: STATUS ROLES AGE VERSION; pods: READY STATUS RESTARTS
 * AGE; namespaces: STATUS AGE; configmaps: DATA AGE; deployments: READY UP-TO-DATE AVAILABLE
 * AGE; daemonsets: DESIRED CURRENT READY UP-TO-DATE AVAILABLE AGE; every other resource NAME AGE).
 */

import type { Resource } from './resources.js';
import type { KubeObject } from './storage.js';

interface Column {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date';
  readonly format?: string;
  readonly description: string;
  readonly priority?: number;
  readonly cell: (o: KubeObject, now: Date) => string | number;
}

type JsonMap = Record<string, unknown>;
const asMap = (v: unknown): JsonMap => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonMap) : {});
const asList = (v: unknown): JsonMap[] => (Array.isArray(v) ? v.map(asMap) : []);

/** kubectl's short ages (apimachinery's HumanDuration): 45s, 3m20s, 5h10m, 3d4h, 40d. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', cell: (o) => String(o.metadata?.name ?? '') };
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o, now) => {
    const created = Date.parse(String(o.metadata?.creationTimestamp ?? ''));
    return Number.isNaN(created) ? '<unknown>' : humanDuration(now.getTime() - created);
  },
};

/** A count of the object's status, 0 when the controllers have not set it. */
const num = (o: KubeObject, field: string): number => {
  const v = asMap(o.status)[field];
  return typeof v === 'number' ? v : 0;
};

function nodeStatus(o: KubeObject): string {
  const ready = asList(asMap(o.status).conditions).find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready === undefined ? 'Unknown' : 'NotReady'];
  if (asMap(o.spec).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: KubeObject): string {
  const labels = asMap(o.metadata?.labels);
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '');
  if (typeof labels['kubernetes.io/role'] === 'string' && !roles.includes(labels['kubernetes.io/role'])) roles.push(labels['kubernetes.io/role']);
  return roles.length === 0 ? '<none>' : roles.sort().join(',');
}

function podStatus(o: KubeObject): string {
  if (o.metadata?.deletionTimestamp !== undefined) return 'Terminating';
  const status = asMap(o.status);
  for (const c of asList(status.containerStatuses)) {
    const waiting = asMap(asMap(c.state).waiting).reason;
    if (typeof waiting === 'string') return waiting;
  }
  return String(status.reason ?? status.phase ?? 'Pending');
}

const COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  nodes: [
    NAME,
    { name: 'Status', type: 'string', description: 'The status of the node', cell: nodeStatus },
    { name: 'Roles', type: 'string', description: 'The roles of the node', cell: nodeRoles },
    AGE,
    { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.', cell: (o) => String(asMap(asMap(o.status).nodeInfo).kubeletVersion ?? '') },
  ],
  pods: [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      description: 'The aggregate readiness state of this pod for accepting traffic.',
      cell: (o) => `${asList(asMap(o.status).containerStatuses).filter((c) => c.ready === true).length}/${asList(asMap(o.spec).containers).length}`,
    },
    { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', cell: podStatus },
    {
      name: 'Restarts',
      type: 'string',
      description: 'The number of times the containers in this pod have been restarted.',
      cell: (o) => String(asList(asMap(o.status).containerStatuses).reduce((n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0), 0)),
    },
    AGE,
  ],
  namespaces: [NAME, { name: 'Status', type: 'string', description: 'The status of the namespace', cell: (o) => String(asMap(o.status).phase ?? 'Active') }, AGE],
  deployments: [
    NAME,
    { name: 'Ready', type: 'string', description: 'Number of the pod with ready state', cell: (o) => `${num(o, 'readyReplicas')}/${Number(asMap(o.spec).replicas ?? 1)}` },
    { name: 'Up-to-date', type: 'integer', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', cell: (o) => num(o, 'updatedReplicas') },
    { name: 'Available', type: 'integer', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', cell: (o) => num(o, 'availableReplicas') },
    AGE,
  ],
  daemonsets: [
    NAME,
    ...(['desiredNumberScheduled:Desired', 'currentNumberScheduled:Current', 'numberReady:Ready', 'updatedNumberScheduled:Up-to-date', 'numberAvailable:Available'] as const).map((spec): Column => {
      const [field = '', name = ''] = spec.split(':');
      return { name, type: 'integer', description: `status.${field} of the daemon set`, cell: (o) => num(o, field) };
    }),
    AGE,
  ],
  configmaps: [NAME, { name: 'Data', type: 'integer', description: 'Number of data entries', cell: (o) => Object.keys(asMap(o.data)).length + Object.keys(asMap(o.binaryData)).length }, AGE],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function toTable(r: Resource, objects: readonly KubeObject[], listMeta: JsonMap, include: IncludeObject, now = new Date()): JsonMap {
  // A custom resource shows its name and age (its CRD's additionalPrinterColumns are not read).
  const columns = (r.custom === true ? undefined : COLUMNS[r.plural]) ?? [NAME, AGE];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      object:
        include === 'Object' ? o
        : include === 'None' ? undefined
        : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} },
    })),
  };
}
