/**
 * @module The axes a resolved GHAP entry is remembered on, and the exact text embedded for each
 * (CALM's templates, so embeddings of the same entry match across implementations).
 *
 * - `full` and `strategy` always; `surprise` only when the entry was falsified and has a surprise;
 *   `root_cause` only when, in addition, it has a root cause.
 * - Lines are joined with "\n". An optional line (CALM's `[...]` section) becomes empty when any of its
 *   fields is missing or empty, but its line break stays: a `full` text without surprise and lesson ends
 *   in "\n\n".
 * - Values are substituted once and never re-read: a `{x}` or `[y]` inside a value stays literal.
 * - No task prefix (`search_document:` and the like) is added.
 */
import type { Axis, GhapPlan, Lesson, OutcomeStatus, RootCause } from './model.js';

/** What the templates read: the entry as it is when it is resolved. */
export interface ResolvedView extends GhapPlan {
  readonly iteration_count: number;
  readonly outcome_status: OutcomeStatus;
  readonly outcome_result: string;
  readonly surprise?: string | null | undefined;
  readonly root_cause?: RootCause | null | undefined;
  readonly lesson?: Lesson | null | undefined;
}

interface Line {
  readonly text: string;
  readonly optional?: true;
}

const TEMPLATES: Readonly<Record<Axis, readonly Line[]>> = {
  full: [
    { text: 'Goal: {goal}' },
    { text: 'Hypothesis: {hypothesis}' },
    { text: 'Action: {action}' },
    { text: 'Prediction: {prediction}' },
    { text: 'Outcome: {outcome_status} - {outcome_result}' },
    { text: 'Surprise: {surprise}', optional: true },
    { text: 'Lesson: {lesson_what_worked}', optional: true },
  ],
  strategy: [
    { text: 'Strategy: {strategy}' },
    { text: 'Applied to: {goal}' },
    { text: 'Outcome: {outcome_status} after {iteration_count} iteration(s)' },
    { text: 'What worked: {lesson_what_worked}', optional: true },
  ],
  surprise: [
    { text: 'Expected: {prediction}' },
    { text: 'Actual: {outcome_result}' },
    { text: 'Surprise: {surprise}' },
    { text: 'Root cause: {root_cause_category} - {root_cause_description}' },
  ],
  root_cause: [
    { text: 'Category: {root_cause_category}' },
    { text: 'Description: {root_cause_description}' },
    { text: 'Context: {domain} - {strategy}' },
    { text: 'Original hypothesis: {hypothesis}' },
  ],
};

const FIELD_RE = /\{(\w+)\}/g;

/** The template fields: required ones always, optional ones only when non-empty (CALM's truthiness). */
function fieldsOf(e: ResolvedView): Map<string, string> {
  const fields = new Map<string, string>([
    ['goal', e.goal], ['hypothesis', e.hypothesis], ['action', e.action], ['prediction', e.prediction],
    ['domain', e.domain], ['strategy', e.strategy], ['iteration_count', String(e.iteration_count)],
    ['outcome_status', e.outcome_status], ['outcome_result', e.outcome_result],
  ]);
  const optional: [string, string | null | undefined][] = [
    ['surprise', e.surprise], ['lesson_what_worked', e.lesson?.what_worked], ['lesson_takeaway', e.lesson?.takeaway],
    ['root_cause_category', e.root_cause?.category], ['root_cause_description', e.root_cause?.description],
  ];
  for (const [k, v] of optional) if (v) fields.set(k, v);
  return fields;
}

export function renderAxisText(axis: Axis, entry: ResolvedView): string {
  const fields = fieldsOf(entry);
  return TEMPLATES[axis]
    .map((line) => {
      const names = [...line.text.matchAll(FIELD_RE)].map((m) => m[1]!);
      const missing = names.find((name) => !fields.has(name));
      if (missing !== undefined) {
        if (line.optional) return '';
        throw new Error(`Template rendering failed: missing field '${missing}' for axis '${axis}'`);
      }
      return line.text.replace(FIELD_RE, (_, name: string) => fields.get(name)!);
    })
    .join('\n');
}

/** CALM's axis rules. */
export function axesFor(entry: ResolvedView): Axis[] {
  const axes: Axis[] = ['full', 'strategy'];
  if (entry.outcome_status === 'falsified' && entry.surprise) {
    axes.push('surprise');
    if (entry.root_cause) axes.push('root_cause');
  }
  return axes;
}

const LABEL_RE = /^[A-Z][A-Za-z ]*:\s*/;

/**
 * The statements an axis text is made of: its non-empty lines without their template labels
 * ("Goal: ", "What worked: "...). Value validation compares a candidate (one statement) with these.
 */
export function axisStatements(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(LABEL_RE, '').trim())
    .filter((line) => line.length > 0);
}
