/**
 * @module Context items: one search hit from one source, rendered as markdown (CALM's formats), able
 * to render itself shorter when the budget asks. Payloads are read by the layouts their writers use
 * (memories, code_units, ghap_full, values, commits), which is where CALM's assembler went wrong: it
 * expected keys no writer produced, so values, code and commits never contributed.
 */
import type { ScoredRecord } from '../../store/records/record-store.js';
import type { ContextSource } from './tokens.js';
import { cutText } from './tokens.js';

export interface ContextItem {
  readonly source: ContextSource;
  readonly id: string;
  /** Items with the same key are the same thing seen twice (e.g. one GHAP entry). */
  readonly key: string;
  readonly relevance: number;
  /** 1 for another project's record, 0 (or absent) for the caller's project's and global ones: the document shows tier 0 first. */
  readonly tier?: number;
  /** The text fuzzy deduplication compares. */
  readonly gist: string;
  /** Code only: where the unit is, so nested units of one file are not shown twice. */
  readonly span?: { readonly file: string; readonly start: number; readonly end: number };
  /** Full markdown, or a version whose body is cut to fit `maxChars` (undefined when even that cannot fit). */
  render(maxChars?: number): string | undefined;
}

/** The document's order within a source: the caller's project (and global items) first, then relevance. */
export const projectThenRelevance = (a: ContextItem, b: ContextItem): number =>
  (a.tier ?? 0) - (b.tier ?? 0) || b.relevance - a.relevance;

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const MIN_BODY = 40;
const ELLIPSIS = '...';

/** A fixed frame around a body that may be cut; the note says it was. */
function framed(frame: (body: string) => string, body: string, note: string): (maxChars?: number) => string | undefined {
  return (maxChars) => {
    const full = frame(body);
    if (maxChars === undefined || [...full].length <= maxChars) return full;
    const overhead = [...frame('')].length + ELLIPSIS.length + note.length;
    const room = maxChars - overhead;
    if (room < MIN_BODY) return undefined;
    return frame(cutText(body, room) + ELLIPSIS) + note;
  };
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function memoryItem(r: ScoredRecord): ContextItem {
  const p = r.payload;
  const content = str(p.content) || r.text;
  const importance = typeof p.importance === 'number' ? p.importance : 0.5;
  return {
    source: 'memories', id: r.id, key: `memory:${r.id}`, relevance: r.score, gist: content,
    render: framed((b) => `**Memory**: ${b}\n*Category: ${str(p.category) || 'unknown'}, Importance: ${importance.toFixed(2)}*`, content, '\n*(truncated)*'),
  };
}

export function codeItem(r: ScoredRecord): ContextItem {
  const p = r.payload;
  const file = str(p.file_path);
  const start = Number(p.start_line ?? 0);
  const end = Number(p.end_line ?? start);
  const code = str(p.code);
  const docstring = str(p.docstring);
  const doc = docstring && !code.includes(docstring.split('\n')[0] ?? docstring) ? `${docstring}\n` : '';
  const head = `**${capitalise(str(p.unit_type) || 'code')}** \`${str(p.qualified_name)}\` in \`${file}:${start}\`\n${doc}`;
  return {
    source: 'code', id: r.id, key: `code:${r.id}`, relevance: r.score, gist: code, span: { file, start, end },
    render: framed((b) => `${head}\`\`\`${str(p.language) || ''}\n${b}\n\`\`\``, code || str(p.signature), `\n*(truncated, see full at ${file}:${start})*`),
  };
}

export function experienceItem(r: ScoredRecord): ContextItem {
  const p = r.payload;
  const lesson = p.lesson && typeof p.lesson === 'object' ? (p.lesson as Record<string, unknown>) : undefined;
  const rootCause = p.root_cause && typeof p.root_cause === 'object' ? (p.root_cause as Record<string, unknown>) : undefined;
  const lines = [
    `**Experience**: ${str(p.domain)} | ${str(p.strategy)}`,
    `- **Goal**: ${str(p.goal)}`,
    `- **Hypothesis**: ${str(p.hypothesis)}`,
    `- **Action**: ${str(p.action)}`,
    `- **Prediction**: ${str(p.prediction)}`,
    `- **Outcome**: ${str(p.outcome_status)} - ${str(p.outcome_result)}`,
  ];
  if (str(p.surprise)) lines.push(`- **Surprise**: ${str(p.surprise)}`);
  if (rootCause && str(rootCause.category)) lines.push(`- **Root cause**: ${str(rootCause.category)} - ${str(rootCause.description)}`);
  if (lesson && str(lesson.what_worked)) lines.push(`- **Lesson**: ${str(lesson.what_worked)}`);
  const ghapId = str(p.ghap_id) || r.id;
  return {
    source: 'experiences', id: ghapId, key: `ghap:${ghapId}`, relevance: r.score, gist: [p.goal, p.hypothesis, p.outcome_result].map(str).join(' '),
    render: framed((b) => b, lines.join('\n'), `\n*(truncated, full experience ID: ${ghapId})*`),
  };
}

export function valueItem(r: ScoredRecord): ContextItem {
  const p = r.payload;
  const text = str(p.text) || r.text;
  const size = [p.member_count, p.cluster_size, Array.isArray(p.member_ids) ? p.member_ids.length : undefined].find((v) => typeof v === 'number') ?? 0;
  const key = str(p.ghap_id) ? `ghap:${str(p.ghap_id)}` : `value:${r.id}`;
  return {
    source: 'values', id: r.id, key, relevance: r.score, gist: text,
    render: framed((b) => `**Value** (${str(p.axis) || 'unknown'}, cluster size: ${String(size)}):\n${b}`, text, '\n*(truncated)*'),
  };
}

export function commitItem(r: ScoredRecord): ContextItem {
  const p = r.payload;
  const sha = str(p.sha) || r.id;
  const files = Array.isArray(p.files_changed) ? (p.files_changed as unknown[]).map(str) : [];
  const fileLine = files.length === 0 ? '' : `\n*Files: ${files.slice(0, 3).join(', ')}${files.length > 3 ? `, ... (${files.length - 3} more)` : ''}*`;
  const when = (str(p.committed_at) || str(p.timestamp_iso)).slice(0, 10) || 'unknown';
  const message = str(p.message);
  return {
    source: 'commits', id: sha, key: `commit:${sha}`, relevance: r.score, gist: message,
    render: framed((b) => `**Commit** \`${sha.slice(0, 7)}\` by ${str(p.author)} on ${when}\n${b}${fileLine}`, message, '\n*(truncated)*'),
  };
}
