/**
 * One applier at a time: every control-plane machine runs one, and only the holder of the Lease
 * kube-system/hoist-addons applies, so that two machines never apply (and prune) against each
 * other. The holder renews it on every pass; another machine takes it over only once it has
 * gone unrenewed for its duration (the holder stopped), as client-go's leader election does.
 * The write is conditional on the Lease's resourceVersion, so two takers cannot both win.
 */

import { CoordinationV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { statusOf } from './kube.js';

export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_NAME = 'hoist-addons';

export interface LeaseOptions {
  readonly identity: string;
  readonly durationSeconds: number;
  readonly now?: () => Date;
}

export class ApplierLease {
  private readonly api: CoordinationV1Api;

  constructor(config: KubeConfig, private readonly opts: LeaseOptions) {
    this.api = config.makeApiClient(CoordinationV1Api);
  }

  /** Takes or renews the Lease; false when another machine holds it. */
  async acquire(): Promise<boolean> {
    const now = (this.opts.now ?? (() => new Date()))();
    const spec = { holderIdentity: this.opts.identity, leaseDurationSeconds: this.opts.durationSeconds, renewTime: now };
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name: LEASE_NAME, namespace: LEASE_NAMESPACE });
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
      try {
        await this.api.createNamespacedLease({ namespace: LEASE_NAMESPACE, body: { metadata: { name: LEASE_NAME, namespace: LEASE_NAMESPACE }, spec: { ...spec, acquireTime: now, leaseTransitions: 0 } } });
        return true;
      } catch (err) {
        if (statusOf(err) === 409) return false;
        throw err;
      }
    }
    const held = current.spec ?? {};
    const mine = held.holderIdentity === this.opts.identity;
    const renewed = held.renewTime === undefined ? 0 : new Date(held.renewTime).getTime();
    const expired = renewed + (held.leaseDurationSeconds ?? this.opts.durationSeconds) * 1000 < now.getTime();
    if (!mine && !expired && held.holderIdentity !== undefined && held.holderIdentity !== '') return false;
    const taken = mine ? {} : { acquireTime: now, leaseTransitions: (held.leaseTransitions ?? 0) + 1 };
    try {
      await this.api.replaceNamespacedLease({ name: LEASE_NAME, namespace: LEASE_NAMESPACE, body: { ...current, spec: { ...held, ...spec, ...taken } } });
      return true;
    } catch (e) {
      // Someone wrote it since we read it: theirs this time.
      if (statusOf(e) === 409) return false;
      throw e;
    }
  }

  /** Gives the Lease up (the applier stops): another machine takes over at once rather than after its duration. */
  async release(): Promise<void> {
    try {
      const current = await this.api.readNamespacedLease({ name: LEASE_NAME, namespace: LEASE_NAMESPACE });
      if (current.spec?.holderIdentity !== this.opts.identity) return;
      await this.api.replaceNamespacedLease({ name: LEASE_NAME, namespace: LEASE_NAMESPACE, body: { ...current, spec: { ...current.spec, holderIdentity: '', renewTime: new Date(0) } } });
    } catch {
      // Best effort: the Lease expires anyway.
    }
  }
}
