/** @module Java: classes/interfaces/enums/records (+ nested), methods and constructors, `static final` fields. */
import type { Node } from 'web-tree-sitter';
import { docComment } from './comments.js';
import { type Ctx, emit, field, fieldText, type LanguageExtractor, named, textOf } from './core.js';

const JAVA_TYPES = new Set(['class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration', 'annotation_type_declaration']);

function java(ctx: Ctx, container: Node, path: readonly string[]): void {
  for (const child of named(container)) {
    const name = fieldText(ctx, child, 'name');
    if (JAVA_TYPES.has(child.type) && name) {
      emit(ctx, { outer: child, def: child, name, path, type: 'class', docstring: docComment(ctx, child, 'jsdoc') });
      java(ctx, field(child, 'body') ?? child, [...path, name]);
    } else if ((child.type === 'method_declaration' || child.type === 'constructor_declaration' || child.type === 'compact_constructor_declaration') &&
      name && field(child, 'body') && path.length) {
      emit(ctx, { outer: child, def: child, name, path, type: 'method', docstring: docComment(ctx, child, 'jsdoc') });
    } else if (child.type === 'enum_body_declarations') {
      java(ctx, child, path);
    } else if ((child.type === 'field_declaration' || child.type === 'constant_declaration') && path.length) {
      const modifiers = named(child).find((m) => m.type === 'modifiers');
      const mods = modifiers ? textOf(ctx, modifiers) : '';
      const constant = child.type === 'constant_declaration' || (/\bstatic\b/.test(mods) && /\bfinal\b/.test(mods));
      if (!constant) continue;
      for (const d of named(child).filter((n) => n.type === 'variable_declarator')) {
        const dName = fieldText(ctx, d, 'name');
        if (dName) emit(ctx, { outer: child, def: child, name: dName, path, type: 'constant', docstring: docComment(ctx, child, 'jsdoc') });
      }
    }
  }
}

export const javaExtractor: LanguageExtractor = {
  separator: '.',
  branches: new Set(['if_statement', 'for_statement', 'enhanced_for_statement', 'while_statement', 'do_statement', 'catch_clause', 'ternary_expression']),
  extract: (ctx, root) => java(ctx, root, []),
};
