import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatProblem, ValidationError } from '../../src/errors.js';
import { MAX_SPEC_BYTES, parseSpecSet } from '../../src/api/index.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'invalid');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { path: string; code: string; message: string }>;
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

function refusal(text: string, source: string): ValidationError {
  try {
    parseSpecSet(text, source, SPEC_RULES);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error(`${source} was accepted`);
}

describe('invalid spec corpus', () => {
  it('has an expectation for every file and a file for every expectation', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(expected).filter((k) => !k.startsWith('_')).sort()).toEqual(files);
  });

  it.each(files)('%s is refused with the expected problem', (file) => {
    const want = expected[file];
    if (!want) throw new Error(`no expectation for ${file}`);
    const error = refusal(readFileSync(join(dir, file), 'utf8'), file);
    expect(error.code).toBe(want.code);
    const path = want.path === '<source>' ? file : want.path;
    const match = error.problems.find((p) => p.path === path);
    expect(match, `problems: ${error.message}`).toBeDefined();
    expect(formatProblem(match!)).toContain(want.message);
    // Every problem says how to fix it and, where the text has the field, where it is.
    for (const p of error.problems) expect(p.fix, formatProblem(p)).toBeTruthy();
    if (want.code === 'INVALID_YAML') expect(match!.line).toBeGreaterThan(0);
  });

  it('refuses input over 1 MiB before parsing it', () => {
    // Broken YAML past the limit: parsed, it would be refused for its syntax instead of its size.
    const text = `# ${'x'.repeat(MAX_SPEC_BYTES)}\nkind: [unclosed\n`;
    const error = refusal(text, 'huge.yaml');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.path).toBe('huge.yaml');
    expect(error.problems[0]?.message).toContain('at most 1048576');
  });
});
