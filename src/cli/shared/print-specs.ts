import { toYaml } from '../../api/index.js';
import type { IO } from '../../output/io.js';

/** Prints spec objects as a YAML stream (with the schema comment editors use) or as JSON. */
export function printSpecs(io: IO, objects: readonly object[], format: 'yaml' | 'json', schemaComment = true): void {
  if (format === 'json') {
    const value = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
    io.out(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  io.out(objects.map((o) => toYaml(o, { schemaComment })).join('---\n'));
}
