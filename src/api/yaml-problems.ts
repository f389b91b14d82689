/** YAML syntax errors as FieldProblems: what went wrong, where, and what usually fixes it. */

import type { LineCounter, YAMLError } from 'yaml';
import type { FieldProblem } from '../errors.js';

const FIXES: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'keep one of the two fields with this name',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'check the indentation of this line against the lines above',
  MISSING_CHAR: 'close the quote or bracket that was opened',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; check for a missing ":" or quote',
  BLOCK_AS_IMPLICIT_KEY: 'check for a missing ":" or a wrongly indented line',
  UNEXPECTED_TOKEN: 'check the YAML syntax on this line',
  BAD_ALIAS: 'define the anchor (&name) before using the alias (*name)',
};

/**
 * Positions come from the line counter, not from yaml's `prettyErrors`: prettifying an error in
 * very deeply nested input exhausts memory in the regexp engine, which no catch can stop.
 */
export function yamlProblems(errors: readonly YAMLError[], source: string, counter: LineCounter): FieldProblem[] {
  return errors.map((e) => {
    const p = counter.linePos(e.pos[0]);
    const pos = { line: p.line, col: p.col };
    const message = e.message.split('\n')[0] ?? e.message;
    return {
      path: source,
      message: `is not valid YAML: ${message}`,
      fix: FIXES[e.code] ?? 'check the YAML syntax near this line',
      ...(pos ? { line: pos.line, column: pos.col } : {}),
    };
  });
}
