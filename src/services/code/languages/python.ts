/**
 * @module Python: module docstring, classes (+ nested) and their methods, functions, UPPER_CASE
 * constants; + decorated definitions (CALM skipped every `@decorator`d one).
 */
import type { Node } from 'web-tree-sitter';
import { type Ctx, emit, field, fieldText, isConstantName, type LanguageExtractor, named, textOf } from './core.js';

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

export const pythonExtractor: LanguageExtractor = {
  separator: '.',
  branches: new Set(['if_statement', 'elif_clause', 'for_statement', 'while_statement', 'except_clause', 'conditional_expression', 'case_clause', 'for_in_clause', 'if_clause']),
  extract: pythonModule,
};
