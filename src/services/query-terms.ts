/**
 * @module The meaningful words of a text (stopwords dropped, endings folded close to FTS5's porter), used
 * to judge how much of a question a record covers: by the prompt hook's relevance rule and by hybrid
 * search's fusion.
 */

const STOPWORDS = new Set(
  ('a about after again all also am an and any are as at be been before being but by can could did do does doing done for from ' +
    'get got had has have having he her here him his how i if in into is it its just let like make me more most my need no not now of ' +
    'on once one only or other our out over please same she should so some such than that the their them then there these they this ' +
    'those through to too try up us use very want was way we were what when where which while who why will with would yes yet you your')
    .split(' '),
);

/** Lower-case words of 3+ characters, stopwords dropped, plural and verb endings folded (close to FTS5's porter). */
export function meaningfulTerms(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const terms = new Set<string>();
  for (const w of words) {
    if (w.length < 3 || STOPWORDS.has(w) || /^\d+$/.test(w)) continue;
    terms.add(stem(w));
  }
  return terms;
}

function stem(w: string): string {
  for (const suffix of ['ing', 'ies', 'es', 'ed', 's']) {
    if (w.length > suffix.length + 3 && w.endsWith(suffix)) return w.slice(0, -suffix.length);
  }
  return w;
}

export function sharedTerms(promptTerms: ReadonlySet<string>, text: string): number {
  let n = 0;
  for (const t of meaningfulTerms(text)) if (promptTerms.has(t)) n += 1;
  return n;
}

