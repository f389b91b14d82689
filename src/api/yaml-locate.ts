/**
 * Where a field is in the YAML source: maps a path of the parsed object back to the line and
 * column of its node, so every problem can point at the text the user wrote.
 */

import { isMap, isNode, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import type { Path } from './paths.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * The position of the node at `path`; for a field that does not exist (a missing or unknown key)
 * the position of the nearest ancestor that does. `atKey` points at a map key instead of its value,
 * which is where an unknown-field problem belongs.
 */
export function locate(doc: Document, counter: LineCounter, path: Path, atKey = false): Position | undefined {
  let node: unknown = doc.contents;
  let last: Node | undefined = isNode(node) ? node : undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
      if (!pair) break;
      const isLast = i === path.length - 1;
      if (isLast && atKey && isNode(pair.key)) {
        last = pair.key;
        break;
      }
      node = pair.value;
      if (isNode(node)) last = node;
      else if (isNode(pair.key)) last = pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!isNode(node)) break;
      last = node;
    } else {
      break;
    }
  }
  const offset = last?.range?.[0];
  if (offset === undefined) return undefined;
  const pos = counter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** The scalar at `path` as the source wrote it (`.nan`, `1e400`, `1.30`), where it is one. */
export function writtenAt(doc: Document, path: Path): string | undefined {
  let node: unknown = doc.contents;
  for (const segment of path) {
    if (isMap(node)) node = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment))?.value;
    else if (isSeq(node) && typeof segment === 'number') node = node.items[segment];
    else return undefined;
  }
  return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}
