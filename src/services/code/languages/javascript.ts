/**
 * @module TypeScript and JavaScript: functions, classes and methods, interfaces; + enums,
 * `const f = () => {}`, UPPER_CASE `const`s, arrow-function class fields.
 */
import type { Node } from 'web-tree-sitter';
import { docComment } from './comments.js';
import { type Ctx, emit, field, fieldText, isConstantName, type LanguageExtractor, named, textOf } from './core.js';

const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);

function jsClassBody(ctx: Ctx, body: Node | null, path: readonly string[]): void {
  for (const member of named(body)) {
    let name: string | undefined;
    if (member.type === 'method_definition') name = fieldText(ctx, member, 'name');
    else if ((member.type === 'public_field_definition' || member.type === 'field_definition') &&
      FUNCTION_VALUES.has(field(member, 'value')?.type ?? '')) {
      name = fieldText(ctx, member, 'name') ?? fieldText(ctx, member, 'property');
    }
    if (!name) continue;
    emit(ctx, { outer: member, def: member, name, path, type: 'method', docstring: docComment(ctx, member, 'jsdoc') });
  }
}

function javascript(ctx: Ctx, root: Node): void {
  for (const child of named(root)) {
    const def = child.type === 'export_statement' ? field(child, 'declaration') ?? named(child).find((c) => c.type.endsWith('declaration')) : child;
    if (!def) continue;
    const docstring = docComment(ctx, child, 'jsdoc');
    const name = fieldText(ctx, def, 'name');
    switch (def.type) {
      case 'function_declaration':
      case 'generator_function_declaration':
        if (name) emit(ctx, { outer: child, def, name, path: [], type: 'function', docstring });
        break;
      case 'class_declaration':
      case 'abstract_class_declaration':
        if (!name) break;
        emit(ctx, { outer: child, def, name, path: [], type: 'class', docstring });
        jsClassBody(ctx, field(def, 'body'), [name]);
        break;
      case 'interface_declaration':
      case 'enum_declaration':
        if (name) emit(ctx, { outer: child, def, name, path: [], type: 'class', docstring });
        break;
      case 'lexical_declaration':
      case 'variable_declaration': {
        const declarators = named(def).filter((d) => d.type === 'variable_declarator');
        const isConst = def.child(0)?.type === 'const';
        for (const d of declarators) {
          const dName = field(d, 'name');
          if (dName?.type !== 'identifier') continue;
          const outer = declarators.length === 1 ? child : d;
          const valueType = field(d, 'value')?.type ?? '';
          if (FUNCTION_VALUES.has(valueType)) {
            emit(ctx, { outer, def: outer, name: textOf(ctx, dName), path: [], type: 'function', docstring });
          } else if (isConst && isConstantName(textOf(ctx, dName))) {
            emit(ctx, { outer, def: outer, name: textOf(ctx, dName), path: [], type: 'constant', docstring });
          }
        }
        break;
      }
    }
  }
}

/** Both grammars name these nodes alike. */
const BRANCHES = new Set(['if_statement', 'for_statement', 'for_in_statement', 'while_statement', 'do_statement', 'switch_case', 'catch_clause', 'ternary_expression']);

export const typescriptExtractor: LanguageExtractor = { separator: '.', branches: BRANCHES, extract: javascript };
export const javascriptExtractor: LanguageExtractor = { separator: '.', branches: BRANCHES, extract: javascript };
