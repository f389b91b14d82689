import { toYaml } from '../../api/index.js';
import type { SpecSet } from '../../../state-store/clientset.js';

/** A spec set as one YAML stream, cluster first, groups by name: the form diffs compare. */
export function specSetYaml(set: SpecSet): string {
  const igs = [...set.instanceGroups].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return [set.cluster, ...igs].map((o) => toYaml(o)).join('---\n');
}
