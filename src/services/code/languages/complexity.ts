/**
 * @module Cyclomatic complexity of a function or method: 1 + its decision points (each language names
 * its branch node types). Only `&&`, `||`, `??` (and Python's `and`/`or`) count among binary
 * operators: CALM counted every binary expression, so `a + b` raised it.
 */
import type { Node } from 'web-tree-sitter';

const SHORT_CIRCUIT = new Set(['&&', '||', '??', 'and', 'or']);

export function complexityOf(def: Node, branches: ReadonlySet<string>): number {
  let count = 1;
  const cursor = def.walk();
  try {
    let depth = 0;
    for (;;) {
      const type = cursor.nodeType;
      if (branches.has(type)) count++;
      else if (type === 'binary_expression' || type === 'boolean_operator') {
        const op = cursor.currentNode.childForFieldName('operator') ?? cursor.currentNode.child(1);
        if (op && SHORT_CIRCUIT.has(op.type)) count++;
      } else if (type === 'switch_label' || type === 'case_statement') {
        // `case` labels are decisions, `default` is not
        if (cursor.currentNode.child(0)?.type === 'case') count++;
      }
      if (cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      for (;;) {
        if (depth === 0) return count;
        if (cursor.gotoNextSibling()) break;
        cursor.gotoParent();
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}
