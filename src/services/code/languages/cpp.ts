/**
 * @module C and C++ (one grammar: the C++ one parses C's declarations): functions (+ through pointer
 * declarators, which CALM skipped), classes/structs and their methods, out-of-class `A::m`
 * definitions, namespaces, templates, `#define` and `const` UPPER_CASE constants, everything inside
 * `#ifdef` guards and `extern "C"`.
 */
import type { Node } from 'web-tree-sitter';
import { docComment } from './comments.js';
import { type Ctx, emit, field, fieldText, isConstantName, type LanguageExtractor, named, textOf } from './core.js';

/** C++: class names defined in this file, to tell `Cls::m` (a method) from `ns::f`. */
interface CppCtx extends Ctx {
  readonly classNames: Set<string>;
}

/** A declarator's name and the scopes written before it (`a::B::m` → m, [a, B]). */
function declaratorName(ctx: Ctx, d: Node | null): { name: string; scopes: string[] } | undefined {
  const scopes: string[] = [];
  while (d) {
    switch (d.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
      case 'destructor_name':
      case 'operator_name':
        return { name: textOf(ctx, d), scopes };
      case 'qualified_identifier': {
        const scope = field(d, 'scope');
        if (scope) scopes.push(textOf(ctx, scope));
        d = field(d, 'name');
        break;
      }
      case 'template_function':
      case 'template_type':
        d = field(d, 'name');
        break;
      default:
        d = field(d, 'declarator') ?? named(d)[0] ?? null;
    }
  }
  return undefined;
}

const CPP_RECURSE = new Set(['preproc_ifdef', 'preproc_if', 'preproc_else', 'preproc_elif', 'preproc_elifdef', 'linkage_specification', 'declaration_list']);
const CPP_CLASSES = new Set(['class_specifier', 'struct_specifier', 'union_specifier']);

function cpp(ctx: CppCtx, container: Node, path: readonly string[], inClass: boolean): void {
  for (const child of named(container)) {
    const def = child.type === 'template_declaration'
      ? named(child).find((c) => c.type === 'function_definition' || CPP_CLASSES.has(c.type)) ?? child
      : child;
    const docstring = (): string | null => docComment(ctx, child, 'any');
    if (def.type === 'function_definition') {
      const n = declaratorName(ctx, field(def, 'declarator'));
      if (!n) continue;
      const owner = n.scopes[n.scopes.length - 1];
      const method = inClass || (owner !== undefined && ctx.classNames.has(owner));
      emit(ctx, { outer: child, def, name: n.name, path: [...path, ...n.scopes], type: method ? 'method' : 'function', docstring: docstring() });
    } else if (CPP_CLASSES.has(def.type)) {
      const name = fieldText(ctx, def, 'name');
      const body = field(def, 'body');
      if (!name || !body) continue;
      const semicolon = child.nextSibling?.type === ';' ? child.nextSibling : undefined;
      emit(ctx, { outer: child, def, name, path, type: 'class', docstring: docstring(), end: semicolon });
      cpp(ctx, body, [...path, name], true);
    } else if (def.type === 'type_definition') {
      // typedef struct { ... } name_t;
      const inner = field(def, 'type');
      const alias = named(def).filter((c) => c.type === 'type_identifier').pop();
      if (inner && CPP_CLASSES.has(inner.type) && field(inner, 'body') && alias) {
        emit(ctx, { outer: child, def, name: textOf(ctx, alias), path, type: 'class', docstring: docstring() });
      }
    } else if (def.type === 'namespace_definition') {
      const name = fieldText(ctx, def, 'name');
      const body = field(def, 'body');
      if (body) cpp(ctx, body, name ? [...path, name] : path, false);
    } else if (CPP_RECURSE.has(def.type)) {
      cpp(ctx, field(def, 'body') ?? def, path, inClass);
    } else if (def.type === 'preproc_def') {
      const name = fieldText(ctx, def, 'name');
      if (name && isConstantName(name) && field(def, 'value')) emit(ctx, { outer: child, def, name, path, type: 'constant', docstring: docstring() });
    } else if ((def.type === 'declaration' || def.type === 'field_declaration') && /\b(const|constexpr)\b/.test(named(def).filter((c) => c.type === 'type_qualifier').map((c) => textOf(ctx, c)).join(' '))) {
      for (const d of named(def).filter((c) => c.type === 'init_declarator')) {
        const n = declaratorName(ctx, field(d, 'declarator'));
        if (n && isConstantName(n.name)) emit(ctx, { outer: child, def, name: n.name, path, type: 'constant', docstring: docstring() });
      }
    }
  }
}

function collectCppClassNames(ctx: CppCtx, node: Node): void {
  for (const child of named(node)) {
    if (CPP_CLASSES.has(child.type)) {
      const name = fieldText(ctx, child, 'name');
      if (name) ctx.classNames.add(name);
    }
    if (child.type === 'namespace_definition' || child.type === 'template_declaration' || CPP_RECURSE.has(child.type) || child.type === 'declaration_list') {
      collectCppClassNames(ctx, field(child, 'body') ?? child);
    }
  }
}

function extractCpp(ctx: Ctx, root: Node): void {
  const cppCtx: CppCtx = { ...ctx, classNames: new Set() };
  collectCppClassNames(cppCtx, root);
  cpp(cppCtx, root, [], false);
}

export const cExtractor: LanguageExtractor = {
  separator: '.',
  branches: new Set(['if_statement', 'for_statement', 'while_statement', 'do_statement', 'conditional_expression']),
  extract: extractCpp,
};

export const cppExtractor: LanguageExtractor = {
  separator: '::',
  branches: new Set(['if_statement', 'for_statement', 'for_range_loop', 'while_statement', 'do_statement', 'catch_clause', 'conditional_expression']),
  extract: extractCpp,
};
