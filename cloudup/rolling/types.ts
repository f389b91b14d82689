/**
 * What a rolling update and `validate cluster` need of a cloud: its instance groups with their
 * instances (including ones detached for a surge), and the few actions that replace machines.
 * Each cloud implements it (`cloudup/<cloud>/rolling.ts`); the roll itself is cloud-independent.
 */

import type { InstanceGroupRole } from '../../src/api/index.js';

export interface RollingInstance {
  readonly id: string;
  /** Its Kubernetes node's name, where that is not `id` (nodeup names a node by its hostname). */
  readonly nodeName?: string;
  /** The instance group it belongs (or, detached, belonged) to. */
  readonly group: string;
  readonly state: 'pending' | 'running' | 'stopping' | 'terminated';
  /** Serving: its node agent reports Ready with the current configuration. */
  readonly ready: boolean;
  /** Up as far as the cloud can tell (running, in service): all a --cloudonly roll waits for. */
  readonly cloudReady: boolean;
  readonly needsUpdate: boolean;
  /** Why it needs an update: template version, config hash, or a forced mark. */
  readonly updateReason?: string;
  /** Taken out of its group for a surge: it serves until drained and terminated. */
  readonly detached: boolean;
  readonly drained: boolean;
  readonly address?: string;
  /** What the node last reported: its phase and its last error, to say why it is not ready. */
  readonly phase?: string;
  readonly lastError?: string;
}

export interface RollingGroup {
  /** The InstanceGroup's name in the spec. */
  readonly name: string;
  readonly role: InstanceGroupRole;
  readonly minSize: number;
  readonly maxSize: number;
  /** How many instances the group keeps: the target size. */
  readonly desired: number;
  /**
   * False for a group that cannot choose where a surge's new instance goes (a GCE regional
   * group): its roll replaces instances in place, whatever maxSurge says.
   */
  readonly surges?: boolean;
  readonly instances: readonly RollingInstance[];
  /**
   * The machines of the group's warm pool (AWS), not in `instances`: prepared and stopped, they
   * never joined. Those out of date are terminated (`terminate`) when the roll reaches the group,
   * without drain or surge, and the pool launches new ones.
   */
  readonly warmPool?: readonly { readonly id: string; readonly needsUpdate: boolean }[];
}

export interface RollingCloud {
  /** Whether a group can run extra instances for a surge (detach without decrement). */
  readonly supportsSurge: boolean;
  /** Whether the cloud drains machines itself; one that cannot drains them through the Kubernetes API. */
  readonly drains: boolean;
  /** How often to look again while waiting: cheap local calls can poll fast, cloud APIs less so. */
  readonly pollMs: number;
  groups(): Promise<RollingGroup[]>;
  /** Takes an instance out of its group, which launches a replacement; the instance keeps running. */
  detach(group: string, instanceId: string): Promise<void>;
  /** Terminates an instance; an attached one is replaced by its group. */
  terminate(group: string, instanceId: string): Promise<void>;
  /** Asks the node to cordon and drain (no-op acknowledgement on clouds without a node channel). */
  drain(instanceId: string): Promise<void>;
  /** Whether the node has acknowledged the drain. */
  drained(instanceId: string): Promise<boolean>;
  /** The API endpoint through its load balancer: undefined when healthy, else why not. */
  apiProblem(): Promise<string | undefined>;
}
