/**
 * @module Code units from a syntax tree: functions, classes, methods, modules and constants, with
 * qualified names, signatures, docstrings, 1-based line ranges and cyclomatic complexity.
 *
 * Rules per language (what CALM extracted, plus what it missed, marked +):
 * - Python: module docstring, classes (+ nested) and their methods, functions, UPPER_CASE constants;
 *   + decorated definitions (CALM skipped every `@decorator`d one).
 * - TypeScript/JavaScript: functions, classes and methods, interfaces; + enums, `const f = () => {}`,
 *   UPPER_CASE `const`s, arrow-function class fields.
 * - Rust: functions, structs/enums/traits/unions; + methods in `impl` and `trait` blocks, consts and
 *   statics, inline modules, `//!` module docs.
 * - Go (+, CALM had no Go): functions, methods (qualified by receiver type), struct and interface
 *   types, constants, the package comment.
 * - Java: classes/interfaces/enums/records (+ nested), methods and constructors, `static final` fields.
 * - C and C++: functions (+ through pointer declarators, which CALM skipped), classes/structs and their
 *   methods, out-of-class `A::m` definitions, namespaces, templates, `#define` and `const` UPPER_CASE
 *   constants, everything inside `#ifdef` guards and `extern "C"`.
 *
 * Complexity (functions and methods) is 1 + the decision points: branches, loops, cases, catches,
 * conditional expressions and short-circuit operators. CALM counted every binary expression, so
 * `a + b` raised it; here only `&&`, `||`, `??` (and Python's `and`/`or`) do.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { IndexedLanguage, UnitType } from './languages.js';

export interface ExtractedUnit {
  readonly name: string;
  readonly qualified_name: string;
  readonly unit_type: UnitType;
  readonly signature: string;
  readonly docstring: string | null;
  readonly code: string;
  readonly start_line: number;
  readonly end_line: number;
  readonly complexity: number | null;
}

const SIGNATURE_MAX = 300;

interface Ctx {
  readonly source: string;
  readonly stem: string;
  readonly language: IndexedLanguage;
  readonly units: ExtractedUnit[];
  /** C++: class names defined in this file, to tell `Cls::m` (a method) from `ns::f`. */
  readonly classNames: Set<string>;
}

interface Emit {
  readonly outer: Node;
  readonly def: Node;
  readonly name: string;
  readonly path: readonly string[];
  readonly type: UnitType;
  readonly docstring: string | null;
  /** Where the unit's text ends when that is past `outer` (the `;` after a C++ class). */
  readonly end?: Node | undefined;
}

const sepOf = (language: IndexedLanguage): string => (language === 'rust' || language === 'cpp' ? '::' : '.');

const textOf = (ctx: Ctx, n: Node): string => ctx.source.slice(n.startIndex, n.endIndex);

/** The last row a node occupies: some nodes (Rust line comments, `#define`) end after their newline. */
const endRow = (n: Node): number =>
  n.endPosition.column === 0 && n.endPosition.row > n.startPosition.row ? n.endPosition.row - 1 : n.endPosition.row;

function signatureOf(ctx: Ctx, def: Node): string {
  const body = def.childForFieldName('body');
  const raw = body && body.startIndex > def.startIndex
    ? ctx.source.slice(def.startIndex, body.startIndex)
    : (textOf(ctx, def).split('\n')[0] ?? '');
  const s = raw.replace(/\s+/g, ' ').trim().replace(/\s*\{$/, '').trim();
  return s.length > SIGNATURE_MAX ? `${s.slice(0, SIGNATURE_MAX - 3)}...` : s;
}

/** Removes the indentation all non-blank lines share. */
function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const common = indents.length ? Math.min(...indents) : 0;
  return common ? lines.map((l) => l.slice(Math.min(common, l.length - l.trimStart().length))).join('\n') : text;
}

/** A node's text as it reads in the file: a method keeps its body's layout, dedented to column 0. */
function codeOf(ctx: Ctx, n: Node, end: Node = n): string {
  const lineStart = ctx.source.lastIndexOf('\n', n.startIndex - 1) + 1;
  const prefix = ctx.source.slice(lineStart, n.startIndex);
  const text = ctx.source.slice(n.startIndex, end.endIndex).trimEnd();
  return prefix && /^[ \t]+$/.test(prefix) ? dedent(prefix + text) : text;
}

function emit(ctx: Ctx, e: Emit): void {
  const callable = e.type === 'function' || e.type === 'method';
  ctx.units.push({
    name: e.name,
    qualified_name: e.type === 'module' ? ctx.stem : [ctx.stem, ...e.path, e.name].join(sepOf(ctx.language)),
    unit_type: e.type,
    signature: e.type === 'module' ? `# Module: ${ctx.stem}` : signatureOf(ctx, e.def),
    docstring: e.docstring,
    code: codeOf(ctx, e.outer, e.end),
    start_line: e.outer.startPosition.row + 1,
    end_line: endRow(e.end ?? e.outer) + 1,
    complexity: callable ? complexityOf(e.def, ctx.language) : null,
  });
}

const named = (n: Node | null | undefined): Node[] => (n ? n.namedChildren.filter((c): c is Node => c !== null) : []);
const field = (n: Node, name: string): Node | null => n.childForFieldName(name);
const fieldText = (ctx: Ctx, n: Node, name: string): string | undefined => {
  const f = field(n, name);
  return f ? textOf(ctx, f) : undefined;
};

/** UPPER_CASE names (at least two characters, one a letter): constants by convention. */
export const isConstantName = (name: string): boolean => /^[A-Z_][A-Z0-9_]+$/.test(name) && /[A-Z]/.test(name);

// ---------------------------------------------------------------------------------------------
// Docstrings

/** Python's inspect.cleandoc: strip the first line, dedent the rest by their common indentation. */
function cleandoc(text: string): string {
  const lines = text.replace(/\t/g, '    ').split('\n');
  const rest = lines.slice(1).filter((l) => l.trim().length > 0);
  const indent = rest.length ? Math.min(...rest.map((l) => l.length - l.trimStart().length)) : 0;
  const out = [lines[0]!.trim(), ...lines.slice(1).map((l) => l.slice(indent).trimEnd())];
  return out.join('\n').trim();
}

function pythonString(ctx: Ctx, n: Node): string {
  const raw = textOf(ctx, n).replace(/^[rRbBuUfF]{0,2}/, '');
  for (const q of ['"""', "'''", '"', "'"]) {
    if (raw.startsWith(q) && raw.endsWith(q) && raw.length >= 2 * q.length) return cleandoc(raw.slice(q.length, raw.length - q.length));
  }
  return cleandoc(raw);
}

/** The string that is the first statement of a Python body (or module), if any. */
function pythonDocNode(body: Node | null): Node | null {
  const first = named(body)[0];
  if (!first || first.type !== 'expression_statement') return null;
  const inner = named(first);
  return inner.length === 1 && inner[0]!.type === 'string' ? inner[0]! : null;
}

function cleanComment(text: string): string {
  if (text.startsWith('/*')) {
    const inner = text.replace(/^\/\*[*!]?/, '').replace(/\*\/$/, '');
    return inner
      .split('\n')
      .map((l) => l.replace(/^\s*\*(?!\/) ?/, '').trimEnd())
      .join('\n')
      .trim();
  }
  return text.replace(/^\/\/[/!]? ?/, '').trimEnd();
}

type CommentStyle = 'jsdoc' | 'rust' | 'any';

const isCommentNode = (n: Node): boolean => n.type === 'comment' || n.type === 'line_comment' || n.type === 'block_comment';

function acceptsComment(style: CommentStyle, text: string): boolean {
  switch (style) {
    case 'jsdoc':
      return text.startsWith('/**') && text.endsWith('*/') && text !== '/**/';
    case 'rust':
      return (text.startsWith('///') && !text.startsWith('////')) || (text.startsWith('/**') && text.endsWith('*/'));
    case 'any':
      return true;
  }
}

/**
 * The doc comment right above `outer` (no blank line between): one block comment, or a run of
 * line comments. Nodes for which `skip` holds (Rust attributes) may sit between comment and item.
 */
function docComment(ctx: Ctx, outer: Node, style: CommentStyle, skip?: (n: Node) => boolean): string | null {
  const run: string[] = [];
  let row = outer.startPosition.row;
  for (let s = outer.previousNamedSibling; s; s = s.previousNamedSibling) {
    if (skip?.(s) && run.length === 0) {
      row = s.startPosition.row;
      continue;
    }
    if (!isCommentNode(s) || endRow(s) < row - 1) break;
    // a comment that trails code on its own line belongs to that code
    const before = s.previousSibling;
    if (before && endRow(before) === s.startPosition.row) break;
    const text = textOf(ctx, s);
    if (!acceptsComment(style, text)) break;
    const block = text.startsWith('/*');
    if (block && run.length > 0) break;
    run.unshift(cleanComment(text));
    if (block) break;
    row = s.startPosition.row;
  }
  if (run.length === 0) return null;
  const doc = run.join('\n').trim();
  return doc.length ? doc : null;
}

// ---------------------------------------------------------------------------------------------
// Complexity

const BRANCHES: Readonly<Record<IndexedLanguage, ReadonlySet<string>>> = {
  python: new Set(['if_statement', 'elif_clause', 'for_statement', 'while_statement', 'except_clause', 'conditional_expression', 'case_clause', 'for_in_clause', 'if_clause']),
  typescript: new Set(['if_statement', 'for_statement', 'for_in_statement', 'while_statement', 'do_statement', 'switch_case', 'catch_clause', 'ternary_expression']),
  javascript: new Set(['if_statement', 'for_statement', 'for_in_statement', 'while_statement', 'do_statement', 'switch_case', 'catch_clause', 'ternary_expression']),
  java: new Set(['if_statement', 'for_statement', 'enhanced_for_statement', 'while_statement', 'do_statement', 'catch_clause', 'ternary_expression']),
  rust: new Set(['if_expression', 'for_expression', 'while_expression', 'loop_expression', 'match_arm']),
  go: new Set(['if_statement', 'for_statement', 'expression_case', 'type_case', 'communication_case']),
  c: new Set(['if_statement', 'for_statement', 'while_statement', 'do_statement', 'conditional_expression']),
  cpp: new Set(['if_statement', 'for_statement', 'for_range_loop', 'while_statement', 'do_statement', 'catch_clause', 'conditional_expression']),
};
const SHORT_CIRCUIT = new Set(['&&', '||', '??', 'and', 'or']);

function complexityOf(def: Node, language: IndexedLanguage): number {
  const branches = BRANCHES[language];
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

// ---------------------------------------------------------------------------------------------
// Python

function unwrapDecorated(n: Node): Node {
  return n.type === 'decorated_definition' ? (field(n, 'definition') ?? n) : n;
}

function python(ctx: Ctx, container: Node, path: readonly string[]): void {
  for (const child of named(container)) {
    const def = unwrapDecorated(child);
    const name = fieldText(ctx, def, 'name');
    if (def.type === 'function_definition' && name) {
      const doc = pythonDocNode(field(def, 'body'));
      emit(ctx, { outer: child, def, name, path, type: path.length ? 'method' : 'function', docstring: doc ? pythonString(ctx, doc) : null });
    } else if (def.type === 'class_definition' && name) {
      const body = field(def, 'body');
      const doc = pythonDocNode(body);
      emit(ctx, { outer: child, def, name, path, type: 'class', docstring: doc ? pythonString(ctx, doc) : null });
      if (body) python(ctx, body, [...path, name]);
    } else if (child.type === 'expression_statement' && path.length === 0) {
      const assign = named(child)[0];
      const left = assign?.type === 'assignment' ? field(assign, 'left') : null;
      if (left?.type === 'identifier' && isConstantName(textOf(ctx, left))) {
        emit(ctx, { outer: child, def: child, name: textOf(ctx, left), path, type: 'constant', docstring: null });
      }
    }
  }
}

function pythonModule(ctx: Ctx, root: Node): void {
  const doc = pythonDocNode(root);
  if (doc) emit(ctx, { outer: doc, def: doc, name: ctx.stem, path: [], type: 'module', docstring: pythonString(ctx, doc) });
  python(ctx, root, []);
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

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

// ---------------------------------------------------------------------------------------------
// Rust

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

// ---------------------------------------------------------------------------------------------
// Go

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

// ---------------------------------------------------------------------------------------------
// Java

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

// ---------------------------------------------------------------------------------------------
// C / C++

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

function cpp(ctx: Ctx, container: Node, path: readonly string[], inClass: boolean): void {
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

function collectCppClassNames(ctx: Ctx, node: Node): void {
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

// ---------------------------------------------------------------------------------------------

/** Units of one parsed file, in source order. `stem` is the file name without its extension. */
export function extractUnits(tree: Tree, source: string, language: IndexedLanguage, stem: string): ExtractedUnit[] {
  const ctx: Ctx = { source, stem, language, units: [], classNames: new Set() };
  const root = tree.rootNode;
  switch (language) {
    case 'python':
      pythonModule(ctx, root);
      break;
    case 'typescript':
    case 'javascript':
      javascript(ctx, root);
      break;
    case 'rust':
      rustModule(ctx, root);
      break;
    case 'go':
      go(ctx, root);
      break;
    case 'java':
      java(ctx, root, []);
      break;
    case 'c':
    case 'cpp':
      collectCppClassNames(ctx, root);
      cpp(ctx, root, [], false);
      break;
  }
  return ctx.units.sort((a, b) => a.start_line - b.start_line);
}
