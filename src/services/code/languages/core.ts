/**
 * @module What every language extractor shares: the unit shape, the walk context, node helpers and
 * `emit`, which turns a definition node into an ExtractedUnit (qualified name, signature, code, lines,
 * complexity).
 */
import type { Node } from 'web-tree-sitter';
import type { UnitType } from '../languages.js';
import { complexityOf } from './complexity.js';

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

/** One file being extracted: what `emit` needs to know about the language, and where units go. */
export interface Ctx {
  readonly source: string;
  readonly stem: string;
  /** Joins the scopes of a qualified name: `.` or `::`. */
  readonly separator: string;
  /** Node types that are decision points for the complexity count. */
  readonly branches: ReadonlySet<string>;
  readonly units: ExtractedUnit[];
}

/** How one language (or a family sharing a grammar) is read. */
export interface LanguageExtractor {
  readonly separator: '.' | '::';
  readonly branches: ReadonlySet<string>;
  /** Pushes the file's units into `ctx.units` (any order: the caller sorts them by line). */
  extract(ctx: Ctx, root: Node): void;
}

export interface Emit {
  readonly outer: Node;
  readonly def: Node;
  readonly name: string;
  readonly path: readonly string[];
  readonly type: UnitType;
  readonly docstring: string | null;
  /** Where the unit's text ends when that is past `outer` (the `;` after a C++ class). */
  readonly end?: Node | undefined;
}

export const textOf = (ctx: Ctx, n: Node): string => ctx.source.slice(n.startIndex, n.endIndex);

/** The last row a node occupies: some nodes (Rust line comments, `#define`) end after their newline. */
export const endRow = (n: Node): number =>
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

export function emit(ctx: Ctx, e: Emit): void {
  const callable = e.type === 'function' || e.type === 'method';
  ctx.units.push({
    name: e.name,
    qualified_name: e.type === 'module' ? ctx.stem : [ctx.stem, ...e.path, e.name].join(ctx.separator),
    unit_type: e.type,
    signature: e.type === 'module' ? `# Module: ${ctx.stem}` : signatureOf(ctx, e.def),
    docstring: e.docstring,
    code: codeOf(ctx, e.outer, e.end),
    start_line: e.outer.startPosition.row + 1,
    end_line: endRow(e.end ?? e.outer) + 1,
    complexity: callable ? complexityOf(e.def, ctx.branches) : null,
  });
}

export const named = (n: Node | null | undefined): Node[] => (n ? n.namedChildren.filter((c): c is Node => c !== null) : []);
export const field = (n: Node, name: string): Node | null => n.childForFieldName(name);
export const fieldText = (ctx: Ctx, n: Node, name: string): string | undefined => {
  const f = field(n, name);
  return f ? textOf(ctx, f) : undefined;
};

/** UPPER_CASE names (at least two characters, one a letter): constants by convention. */
export const isConstantName = (name: string): boolean => /^[A-Z_][A-Z0-9_]+$/.test(name) && /[A-Z]/.test(name);
