/**
 * @module Go (+, CALM had no Go): functions, methods (qualified by receiver type), struct and interface
 * types, constants, the package comment.
 */
import type { Node } from 'web-tree-sitter';
import { docComment } from './comments.js';
import { type Ctx, emit, field, fieldText, type LanguageExtractor, named, textOf } from './core.js';

function goReceiverType(ctx: Ctx, receiver: Node | null): string | undefined {
  const param = named(receiver).find((p) => p.type === 'parameter_declaration');
  let t = param ? field(param, 'type') : null;
  while (t && (t.type === 'pointer_type' || t.type === 'generic_type' || t.type === 'parenthesized_type')) {
    t = t.type === 'generic_type' ? field(t, 'type') : named(t)[0] ?? null;
  }
  return t ? textOf(ctx, t) : undefined;
}

function go(ctx: Ctx, root: Node): void {
  for (const child of named(root)) {
    const name = fieldText(ctx, child, 'name');
    switch (child.type) {
      case 'package_clause': {
        const docstring = docComment(ctx, child, 'any');
        if (docstring) emit(ctx, { outer: child, def: child, name: ctx.stem, path: [], type: 'module', docstring });
        break;
      }
      case 'function_declaration':
        if (name) emit(ctx, { outer: child, def: child, name, path: [], type: 'function', docstring: docComment(ctx, child, 'any') });
        break;
      case 'method_declaration': {
        const recv = goReceiverType(ctx, field(child, 'receiver'));
        if (name) emit(ctx, { outer: child, def: child, name, path: recv ? [recv] : [], type: 'method', docstring: docComment(ctx, child, 'any') });
        break;
      }
      case 'type_declaration': {
        const specs = named(child).filter((s) => s.type === 'type_spec');
        for (const s of specs) {
          const sName = fieldText(ctx, s, 'name');
          const kind = field(s, 'type')?.type;
          if (!sName || (kind !== 'struct_type' && kind !== 'interface_type')) continue;
          const outer = specs.length === 1 ? child : s;
          emit(ctx, { outer, def: outer, name: sName, path: [], type: 'class', docstring: docComment(ctx, outer, 'any') });
        }
        break;
      }
      case 'const_declaration': {
        const specs = named(child).filter((s) => s.type === 'const_spec');
        for (const s of specs) {
          const names = named(s).filter((n) => n.type === 'identifier');
          const outer = specs.length === 1 ? child : s;
          for (const n of names) {
            emit(ctx, { outer, def: outer, name: textOf(ctx, n), path: [], type: 'constant', docstring: docComment(ctx, outer, 'any') });
          }
        }
        break;
      }
    }
  }
}

export const goExtractor: LanguageExtractor = {
  separator: '.',
  branches: new Set(['if_statement', 'for_statement', 'expression_case', 'type_case', 'communication_case']),
  extract: go,
};
