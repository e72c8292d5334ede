/**
 * @module Which files the code indexer reads, and with which tree-sitter grammar.
 *
 * The grammars come from @vscode/tree-sitter-wasm, which ships no C grammar: C is parsed with the
 * C++ grammar (as CALM did), which accepts C's declarations. `.tsx` gets the TSX grammar (CALM parsed
 * it as plain TypeScript, which fails on JSX).
 */
import { extname } from 'node:path';

export type Grammar = 'python' | 'typescript' | 'tsx' | 'javascript' | 'rust' | 'go' | 'java' | 'cpp';
export type IndexedLanguage = 'python' | 'typescript' | 'javascript' | 'rust' | 'go' | 'java' | 'c' | 'cpp';

export interface LanguageSpec {
  readonly language: IndexedLanguage;
  readonly grammar: Grammar;
}

const spec = (language: IndexedLanguage, grammar: Grammar = language as Grammar): LanguageSpec => ({ language, grammar });

/** Extension → language and grammar (case-sensitive, like CALM's). */
export const EXTENSION_MAP: Readonly<Record<string, LanguageSpec>> = {
  '.py': spec('python'),
  '.pyi': spec('python'),
  '.ts': spec('typescript'),
  '.mts': spec('typescript'),
  '.cts': spec('typescript'),
  '.tsx': spec('typescript', 'tsx'),
  '.js': spec('javascript'),
  '.mjs': spec('javascript'),
  '.cjs': spec('javascript'),
  '.jsx': spec('javascript'),
  '.rs': spec('rust'),
  '.go': spec('go'),
  '.java': spec('java'),
  '.c': spec('c', 'cpp'),
  '.h': spec('c', 'cpp'),
  '.cpp': spec('cpp'),
  '.hpp': spec('cpp'),
  '.cc': spec('cpp'),
  '.cxx': spec('cpp'),
  '.hh': spec('cpp'),
  '.hxx': spec('cpp'),
};

/** Languages the index actually holds. */
export const INDEXED_LANGUAGES: readonly IndexedLanguage[] = ['python', 'typescript', 'javascript', 'rust', 'go', 'java', 'c', 'cpp'];

/** CALM's search_code language filter list (wider than what is indexed; kept so existing prompts validate the same). */
export const SUPPORTED_LANGUAGES = [
  'python', 'typescript', 'javascript', 'rust', 'go', 'java', 'c', 'cpp', 'csharp', 'ruby', 'php', 'swift', 'kotlin', 'scala',
] as const;

export function languageOf(path: string): LanguageSpec | undefined {
  return EXTENSION_MAP[extname(path)];
}

export const UNIT_TYPES = ['function', 'class', 'method', 'module', 'constant'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];
