/** Labels change with `setLabels`: all of them at once, guarded by the fingerprint just read. */

import { HoistError } from '../../../src/errors.js';
import type { Compute } from '../compute.js';

interface Labelled {
  readonly labels?: Readonly<Record<string, string>> | null;
  readonly labelFingerprint?: string | null;
}

/**
 * Adds or changes the desired labels and keeps the others (set by people or other tools).
 * A fingerprint that moved on in between fails with conditionNotMet, which the task retries.
 */
export async function setLabels(
  compute: Compute,
  what: string,
  read: () => Promise<Labelled | undefined>,
  send: (labels: Record<string, string>, labelFingerprint: string, requestId: string) => Promise<[unknown, ...unknown[]]>,
  desired: Readonly<Record<string, string>>,
): Promise<void> {
  const current = await read();
  if (!current) throw new HoistError('CONFLICT', `${what}: the object vanished while its labels were being set`);
  const labels = { ...current.labels, ...desired };
  await compute.mutate(`set labels of ${what}`, (requestId) => send(labels, current.labelFingerprint ?? '', requestId));
}
