/** @module Doc comments: the comment block or run of line comments right above a definition. */
import type { Node } from 'web-tree-sitter';
import { type Ctx, endRow, textOf } from './core.js';

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

export type CommentStyle = 'jsdoc' | 'rust' | 'any';

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
export function docComment(ctx: Ctx, outer: Node, style: CommentStyle, skip?: (n: Node) => boolean): string | null {
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
