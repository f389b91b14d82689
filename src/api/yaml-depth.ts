/**
 * Nesting depth of YAML before it is composed.
 *
 * yaml's composer recurses once per nesting level. Absurdly deep input (`[[[[...`) overflows the
 * stack, and when the overflow lands in V8's regexp compiler the process dies with a fatal
 * out-of-memory error that no catch can stop. So the depth is measured on the token tree first,
 * without recursion, and deep input is refused before composing. Real specs nest about 8 levels.
 */

import type { CST } from 'yaml';

export const MAX_YAML_DEPTH = 64;

type Node = CST.Token | undefined;

/** Where the nesting first goes past `limit` (a source offset), or undefined when it never does. */
export function tooDeepAt(tokens: readonly CST.Token[], limit = MAX_YAML_DEPTH): number | undefined {
  let max = 0;
  const stack: { node: Node; depth: number }[] = tokens.map((node) => ({ node, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: Node; depth: number };
    if (!node) continue;
    if (depth > max) max = depth;
    if (max > limit) return 'offset' in node ? node.offset : 0;
    switch (node.type) {
      case 'document':
        stack.push({ node: node.value, depth });
        break;
      case 'block-map':
      case 'flow-collection':
        for (const item of node.items) {
          stack.push({ node: item.key ?? undefined, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
        }
        break;
      case 'block-seq':
        for (const item of node.items) stack.push({ node: item.value, depth: depth + 1 });
        break;
      default:
        break;
    }
  }
  return undefined;
}
