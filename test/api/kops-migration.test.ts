/**
 * docs/kops-migration.md against kops's field and command lists (src/api/kops-fields.ts),
 * hoist's schema and hoist's commands: every kops field and command has a row; a field hoist
 * lists as same or different exists in its schema, and one it lists as not supported does not
 * (else the page is out of date); a command it lists exists in the CLI.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { ClusterSpecSchema, InstanceGroupSpecSchema } from '../../src/api/index.js';
import { KOPS_CLUSTER_SPEC_FIELDS, KOPS_COMMANDS, KOPS_INSTANCE_GROUP_SPEC_FIELDS } from '../../src/api/kops-fields.js';
import { defOf, unwrap } from '../../src/api/zod-walk.js';
import { buildProgram, commandsFor } from '../../src/cli/program.js';
import type { IO } from '../../src/output/io.js';
import { migrationTable, ROOT } from './kops-migration-table.js';
import type { Row } from './kops-migration-table.js';

const page = readFileSync(join(ROOT, 'docs/kops-migration.md'), 'utf8');

/** The schema at a dotted path, stepping into arrays' elements; undefined when hoist has no such field. */
function fieldAt(schema: z.ZodType, path: string): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const key of path.split('.')) {
    let def: ReturnType<typeof defOf> | undefined = s ? defOf(unwrap(s)) : undefined;
    if (def?.type === 'array' && def.element) def = defOf(unwrap(def.element));
    s = def?.type === 'object' ? (def.shape?.[key] as z.ZodType | undefined) : undefined;
    if (!s) return undefined;
  }
  return s;
}

const hoistPath = (row: Row) => /^`([^`]+)`$/.exec(row.hoist)?.[1];

describe.each([
  ['ClusterSpec fields', KOPS_CLUSTER_SPEC_FIELDS, ClusterSpecSchema],
  ['InstanceGroupSpec fields', KOPS_INSTANCE_GROUP_SPEC_FIELDS, InstanceGroupSpecSchema],
] as const)('docs/kops-migration.md, %s', (section, fields, schema) => {
  const rows = migrationTable(page, section);

  it('has one row per kops field, and rows for parts only of kops fields', () => {
    const names = rows.map((r) => r.kops);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(fields.filter((f) => !names.includes(f))).toEqual([]);
    expect(names.filter((n) => !(fields as readonly string[]).includes(n.split('.')[0] ?? ''))).toEqual([]);
  });

  it('lists as same or different only fields hoist\'s schema has, and as not supported only fields it lacks', () => {
    for (const row of rows) {
      const where = `${section}: ${row.kops}`;
      if (row.status === 'not supported') {
        expect(fieldAt(schema, row.kops), `${where} is in hoist's schema: update the row`).toBeUndefined();
        expect(row.notes.length, `${where} needs a reason`).toBeGreaterThan(10);
      } else {
        const path = hoistPath(row);
        expect(path, `${where}: name the hoist field`).toBeDefined();
        expect(fieldAt(schema, path ?? ''), `${where}: ${path} is not in hoist's schema`).toBeDefined();
        if (row.status === 'same') expect(path, `${where}: same name`).toBe(row.kops);
        else expect(row.notes.length, `${where} needs to say how`).toBeGreaterThan(10);
      }
    }
  });

  it('has a row for every field of hoist\'s schema that kops has under the same name', () => {
    const shape = defOf(unwrap(schema)).shape ?? {};
    const kops = new Set<string>(fields);
    const missing = Object.keys(shape).filter((k) => kops.has(k) && !rows.some((r) => r.kops === k && r.status !== 'not supported'));
    expect(missing).toEqual([]);
  });
});

describe('docs/kops-migration.md, Commands', () => {
  const rows = migrationTable(page, 'Commands');

  it('has one row per kops command', () => {
    const names = rows.map((r) => r.kops);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(KOPS_COMMANDS.filter((c) => !names.includes(c))).toEqual([]);
    expect(names.filter((n) => !(KOPS_COMMANDS as readonly string[]).includes(n))).toEqual([]);
  });

  it('names only hoist commands and options that exist', async () => {
    const io: IO = { out: () => undefined, err: () => undefined, events: () => undefined, env: {}, cwd: ROOT, verbose: false, interactive: false, ask: () => Promise.resolve(''), readStdin: () => Promise.resolve('') };
    const program = buildProgram(io, async () => undefined, await commandsFor([]));
    const find = (c: Command, word: string) => c.commands.find((s) => s.name() === word || s.aliases().includes(word));
    const hasOption = (c: Command, flag: string) => c.options.some((o) => o.long === flag || o.short === flag);
    for (const row of rows.filter((r) => r.status !== 'not supported')) {
      const words = /^`hoist ([^`]+)`$/.exec(row.hoist)?.[1]?.split(' ') ?? [];
      expect(words.length, `${row.kops}: name the hoist command`).toBeGreaterThan(0);
      let at: Command = program;
      for (const word of words) {
        if (word.startsWith('-')) {
          expect(hasOption(at, word), `${row.kops}: ${at.name()} has no ${word}`).toBe(true);
          break;
        }
        const next = find(at, word);
        expect(next, `${row.kops}: hoist has no command ${words.join(' ')}`).toBeDefined();
        at = next ?? at;
      }
    }
    for (const row of rows.filter((r) => r.status === 'not supported')) expect(row.notes.length, `${row.kops} needs a reason`).toBeGreaterThan(10);
  });
});
