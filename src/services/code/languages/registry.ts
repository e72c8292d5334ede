/** @module Which extractor reads which indexed language. Adding a language: one file beside this one, one line here. */
import type { IndexedLanguage } from '../languages.js';
import type { LanguageExtractor } from './core.js';
import { cExtractor, cppExtractor } from './cpp.js';
import { goExtractor } from './go.js';
import { javaExtractor } from './java.js';
import { javascriptExtractor, typescriptExtractor } from './javascript.js';
import { pythonExtractor } from './python.js';
import { rustExtractor } from './rust.js';

export const EXTRACTORS: Readonly<Record<IndexedLanguage, LanguageExtractor>> = {
  python: pythonExtractor,
  typescript: typescriptExtractor,
  javascript: javascriptExtractor,
  rust: rustExtractor,
  go: goExtractor,
  java: javaExtractor,
  c: cExtractor,
  cpp: cppExtractor,
};
