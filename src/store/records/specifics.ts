/**
 * @module The specifics of a text: its numbers (any token holding a digit) and identifiers (tokens with an
 * inner `.`, `_`, `/`, `-`, `:` or a camelCase hump, like checkout.spec.ts or PAY-123), lower-cased.
 *
 * Similarity alone cannot tell "Postgres listens on port 5432" from "... port 5433": one character in a
 * sentence moves neither a word-hash vector nor a sentence model much (hash: 0.97). Two texts whose
 * specifics differ state different facts, so the near-duplicate index (sqlite-vec/band-index.ts) keeps
 * records apart by them, and `nearDuplicates` only returns records with the same specifics as the query.
 */
import { createHash } from 'node:crypto';

const TOKEN_RE = /[\p{L}\p{N}][\p{L}\p{N}._/:-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu;
const IDENTIFIER_RE = /[._/:-]|\p{Ll}\p{Lu}/u;

/** The numbers and identifiers of a text, lower-cased: what makes two similar sentences different facts. */
export function specifics(text: string): Set<string> {
  const out = new Set<string>();
  for (const token of text.match(TOKEN_RE) ?? []) {
    if (/\p{N}/u.test(token) || IDENTIFIER_RE.test(token)) out.add(token.toLowerCase());
  }
  return out;
}

export function sameSpecifics(a: string, b: string): boolean {
  const x = specifics(a), y = specifics(b);
  return x.size === y.size && [...x].every((t) => y.has(t));
}

/**
 * The group of texts with the same specifics as this one: 32 bits naming the set (order and repeats do not
 * matter; equal sets, equal salts), and whether the text names any specifics at all.
 */
export function specificsGroup(text: string): { readonly salt: number; readonly named: boolean } {
  const set = specifics(text);
  const salt = createHash('sha256').update([...set].sort().join('\u0000')).digest().readUInt32LE(0);
  return { salt, named: set.size > 0 };
}
