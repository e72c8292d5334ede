/**
 * @module tree-sitter, loaded lazily and once per process: the runtime on the first parse, each
 * grammar on the first file of its language. Nothing heavy happens at import time.
 *
 * web-tree-sitter parses a JS string as UTF-16, so node indices are string indices: slicing the
 * source with them is exact for any text (CALM sliced a decoded string with byte offsets, which
 * shifted every node after the first non-ASCII character).
 */
import { createRequire } from 'node:module';
import type { Language, Parser, Tree } from 'web-tree-sitter';
import { CalmError } from '../../errors.js';
import type { Grammar } from './languages.js';

const require = createRequire(import.meta.url);

type TreeSitter = typeof import('web-tree-sitter');

let runtime: Promise<TreeSitter> | undefined;
const parsers = new Map<Grammar, Promise<Parser>>();

function loadRuntime(): Promise<TreeSitter> {
  runtime ??= import('web-tree-sitter')
    .then(async (ts) => {
      await ts.Parser.init();
      return ts;
    })
    .catch((e: unknown) => {
      runtime = undefined;
      throw new CalmError('not_available', `Code parser could not be loaded (web-tree-sitter): ${(e as Error).message}`, { cause: e });
    });
  return runtime;
}

/** The .wasm file of a grammar, resolved from the installed package (no download, no copy). */
export function grammarPath(grammar: Grammar): string {
  return require.resolve(`@vscode/tree-sitter-wasm/wasm/tree-sitter-${grammar}.wasm`);
}

function parserFor(grammar: Grammar): Promise<Parser> {
  let pending = parsers.get(grammar);
  if (!pending) {
    pending = loadRuntime().then(async (ts) => {
      let language: Language;
      try {
        language = await ts.Language.load(grammarPath(grammar));
      } catch (e) {
        throw new CalmError('not_available', `The ${grammar} grammar could not be loaded: ${(e as Error).message}`, { cause: e });
      }
      const parser = new ts.Parser();
      parser.setLanguage(language);
      return parser;
    });
    pending.catch(() => parsers.delete(grammar));
    parsers.set(grammar, pending);
  }
  return pending;
}

/** Parses `source` and hands the tree to `use`; the tree's WASM memory is freed afterwards. */
export async function withTree<T>(grammar: Grammar, source: string, use: (tree: Tree) => T): Promise<T> {
  const parser = await parserFor(grammar);
  const tree = parser.parse(source);
  if (!tree) throw new Error(`tree-sitter returned no tree for a ${grammar} file`);
  try {
    return use(tree);
  } finally {
    tree.delete();
  }
}
