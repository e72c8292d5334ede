/**
 * @module Rust: functions, structs/enums/traits/unions; + methods in `impl` and `trait` blocks, consts
 * and statics, inline modules, `//!` module docs.
 */
import type { Node } from 'web-tree-sitter';
import { docComment } from './comments.js';
import { type Ctx, emit, endRow, field, fieldText, type LanguageExtractor, named, textOf } from './core.js';

function rustTypeName(ctx: Ctx, t: Node | null): string | undefined {
  if (!t) return undefined;
  switch (t.type) {
    case 'type_identifier':
    case 'primitive_type':
      return textOf(ctx, t);
    case 'generic_type':
    case 'reference_type':
    case 'pointer_type':
      return rustTypeName(ctx, field(t, 'type'));
    case 'scoped_type_identifier':
      return fieldText(ctx, t, 'name');
    default:
      return textOf(ctx, t);
  }
}

const isRustAttribute = (n: Node): boolean => n.type === 'attribute_item';

function rust(ctx: Ctx, container: Node, path: readonly string[], inType: boolean): void {
  for (const child of named(container)) {
    const name = fieldText(ctx, child, 'name');
    const docstring = (): string | null => docComment(ctx, child, 'rust', isRustAttribute);
    switch (child.type) {
      case 'function_item':
        if (name && (!inType || field(child, 'body'))) {
          emit(ctx, { outer: child, def: child, name, path, type: inType ? 'method' : 'function', docstring: docstring() });
        }
        break;
      case 'struct_item':
      case 'enum_item':
      case 'union_item':
        if (name) emit(ctx, { outer: child, def: child, name, path, type: 'class', docstring: docstring() });
        break;
      case 'trait_item':
        if (!name) break;
        emit(ctx, { outer: child, def: child, name, path, type: 'class', docstring: docstring() });
        rust(ctx, field(child, 'body') ?? child, [...path, name], true);
        break;
      case 'impl_item': {
        const typeName = rustTypeName(ctx, field(child, 'type'));
        if (typeName) rust(ctx, field(child, 'body') ?? child, [...path, typeName], true);
        break;
      }
      case 'const_item':
      case 'static_item':
        if (name) emit(ctx, { outer: child, def: child, name, path, type: 'constant', docstring: docstring() });
        break;
      case 'mod_item': {
        const body = field(child, 'body');
        if (name && body) rust(ctx, body, [...path, name], false);
        break;
      }
    }
  }
}

function rustModule(ctx: Ctx, root: Node): void {
  const inner = named(root).filter((n, i, all) => n.type === 'line_comment' && textOf(ctx, n).startsWith('//!') && all.slice(0, i).every((p) => p.type === 'line_comment'));
  if (inner.length) {
    const docstring = inner.map((n) => textOf(ctx, n).replace(/^\/\/! ?/, '').trimEnd()).join('\n').trim();
    const last = inner[inner.length - 1]!;
    ctx.units.push({
      name: ctx.stem, qualified_name: ctx.stem, unit_type: 'module', signature: `# Module: ${ctx.stem}`, docstring: docstring || null,
      code: ctx.source.slice(inner[0]!.startIndex, last.endIndex).trimEnd(), start_line: inner[0]!.startPosition.row + 1,
      end_line: endRow(last) + 1, complexity: null,
    });
  }
  rust(ctx, root, [], false);
}

export const rustExtractor: LanguageExtractor = {
  separator: '::',
  branches: new Set(['if_expression', 'for_expression', 'while_expression', 'loop_expression', 'match_arm']),
  extract: rustModule,
};
