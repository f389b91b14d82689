/** The tables of docs/kops-migration.md, read for the tests that keep them true. */

import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const STATUSES = ['same', 'different', 'not supported'] as const;

export interface Row {
  /** kops's field (dotted for a part of one) or command, without backticks. */
  readonly kops: string;
  readonly status: (typeof STATUSES)[number];
  /** The hoist column as written: `name` in backticks, or — */
  readonly hoist: string;
  readonly notes: string;
}

/** The rows of the table under `## <section>`; throws on a row that is not kops | status | hoist | notes. */
export function migrationTable(page: string, section: string): Row[] {
  const start = page.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`docs/kops-migration.md has no section "${section}"`);
  const end = page.indexOf('\n## ', start + 1);
  const lines = page.slice(start, end < 0 ? undefined : end).split('\n').filter((l) => l.startsWith('| `'));
  return lines.map((line) => {
    const cells = line.split(' | ').map((c) => c.replace(/^\| ?| ?\|$/g, '').trim());
    const [kops, status, hoist, notes] = cells;
    const name = /^`([^`]+)`$/.exec(kops ?? '')?.[1];
    if (name === undefined || !STATUSES.includes(status as Row['status']) || hoist === undefined) throw new Error(`docs/kops-migration.md: bad row: ${line}`);
    return { kops: name, status: status as Row['status'], hoist, notes: notes ?? '' };
  });
}

/**
 * Whether a field the kops import dropped (`spec.api.loadBalancer.sslCertificate`,
 * `spec.subnets[1].egress`) is documented as dropped: the most specific row for it says
 * not supported, or is a difference whose notes say the import drops it.
 */
export function documentedDrop(rows: readonly Row[], droppedPath: string): Row | undefined {
  const dotted = droppedPath.replace(/^spec\./, '').replace(/\[[^\]]*\]/g, '').replace(/\.\d+(?=\.|$)/g, '');
  const parts = dotted.split('.');
  for (let n = parts.length; n > 0; n--) {
    const row = rows.find((r) => r.kops === parts.slice(0, n).join('.'));
    if (row) return row.status === 'not supported' || /import drops/.test(row.notes) ? row : undefined;
  }
  return undefined;
}
