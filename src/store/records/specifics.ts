/**
 * @module The specifics of a text: its numbers (any token holding a digit) and identifiers (tokens with an
 * inner `.`, `_`, `/`, `-`, `:` or a camelCase hump, like checkout.spec.ts or PAY-123), lower-cased.
 *
 * Similarity alone cannot tell "Postgres listens on port 5432" from "... port 5433": one character in a
 * sentence moves neither a word-hash vector nor a sentence model much (hash: 0.97). Two texts whose
 * specifics differ state different facts, so the near-duplicate index (sqlite-vec/band-index.ts) keeps
 * records apart by them, and `nearDuplicates` only returns records with the same specifics as the query.
 */

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
  const sorted = [...set].sort().join('\u0000');
  let h = 0x811c9dc5;
  for (let i = 0; i < sorted.length; i++) {
    h ^= sorted.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return { salt: h >>> 0, named: set.size > 0 };
}
