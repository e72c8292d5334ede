/**
 * @module Code units from a syntax tree: functions, classes, methods, modules and constants, with
 * qualified names, signatures, docstrings, 1-based line ranges and cyclomatic complexity.
 *
 * Each language has its extractor in `languages/<language>.ts` (what CALM extracted there, plus what
 * it missed, marked +), registered in `languages/registry.ts`; `languages/core.ts` holds what they
 * share (the unit shape, node helpers, `emit`), `languages/comments.ts` the doc comments and
 * `languages/complexity.ts` the complexity count.
 */
import type { Tree } from 'web-tree-sitter';
import type { IndexedLanguage } from './languages.js';
import type { Ctx, ExtractedUnit } from './languages/core.js';
import { EXTRACTORS } from './languages/registry.js';

export type { ExtractedUnit } from './languages/core.js';

/** Units of one parsed file, in source order. `stem` is the file name without its extension. */
export function extractUnits(tree: Tree, source: string, language: IndexedLanguage, stem: string): ExtractedUnit[] {
  const extractor = EXTRACTORS[language];
  const ctx: Ctx = { source, stem, separator: extractor.separator, branches: extractor.branches, units: [] };
  extractor.extract(ctx, tree.rootNode);
  return ctx.units.sort((a, b) => a.start_line - b.start_line);
}
