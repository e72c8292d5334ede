/**
 * Hostile values for fuzzing calm's surfaces with fast-check: strings that break parsers, paths that
 * escape, numbers JSON cannot carry, and arguments generated from a tool's JSON Schema with some of
 * them swapped for hostile ones. Counts come from the environment, so CI stays bounded and a longer
 * local run is one variable away (CALM_FUZZ_RUNS, CALM_FUZZ_SEED).
 */
import fc from 'fast-check';

/** How many generated cases per tool or command: small in CI, larger with CALM_FUZZ_RUNS. */
export function fuzzRuns(fallback: number, variable = 'CALM_FUZZ_RUNS'): number {
  const n = Number(process.env[variable]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** A fixed seed by default (reproducible CI), or CALM_FUZZ_SEED to explore. */
export function fuzzSeed(): number {
  const n = Number(process.env.CALM_FUZZ_SEED);
  return Number.isInteger(n) ? n : 15_015;
}

export const TEN_MB = 'x'.repeat(10 * 1024 * 1024);

export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\0',
  'a\0b',
  '\uD800',
  'lone \uDC00 surrogate',
  '\u202Eevil\u202C',
  '\u200F\u0627\u0644\u0639\u0631\u0628\u064A\u0629',
  '🧠💾🔥👩‍👩‍👧‍👦',
  '\uFEFF',
  '\r\n\t\v\f',
  '%s%n%x',
  '${process.exit(1)}',
  "'; DROP TABLE records; --",
  '" OR 1=1 --',
  '"unbalanced',
  'NEAR(a b',
  'a AND OR NOT',
  '*',
  '-',
  '^',
  '{"jsonrpc":"2.0"}',
  '__proto__',
  'constructor',
  '../',
  '../../../../../../etc/passwd',
  '..\\..\\windows\\system32',
  '/etc/passwd',
  '/dev/null',
  '/nonexistent/calm/fuzz',
  '~',
  '~root/.ssh',
  'file:///etc/passwd',
  'x'.repeat(100_001),
  '9'.repeat(400),
  '2026-13-45',
  '0000-00-00T99:99:99Z',
  'full_-1',
  'full_999999999999999999999',
  'bogus_0',
  '00000000-0000-0000-0000-000000000000',
];

export const HOSTILE_NUMBERS: readonly number[] = [NaN, Infinity, -Infinity, 1e308, -1e308, -1, 0, -0, 0.5, 1.5, 2 ** 53 + 2, -(2 ** 31), 2 ** 31, 1e-308];

export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 32 }) },
    { weight: 1, arbitrary: fc.constant(TEN_MB) },
  );

export const hostileNumber = (): fc.Arbitrary<number> => fc.oneof(fc.constantFrom(...HOSTILE_NUMBERS), fc.double(), fc.integer());

/** Any wrong-typed value: what a confused or malicious client sends. */
export const hostileValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    hostileString(),
    hostileNumber(),
    fc.constantFrom<unknown>(null, true, false, [], {}, [null], [[]], { __proto__: { polluted: true } }, ['a', 1, null]),
    fc.array(hostileString(), { maxLength: 60 }),
    fc.anything({ maxDepth: 2 }),
  );

/** The subset of JSON Schema that zod emits for calm's tools. */
export interface JsonSchema {
  type?: string;
  enum?: readonly unknown[];
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
}

const DELETE = Symbol('delete');

/** A plausible value for a schema (enums mostly right, strings from `plausible[name]` when given), so the fuzz reaches past the first check. */
export function valueFor(schema: JsonSchema, name: string, plausible: Record<string, readonly unknown[]>): fc.Arbitrary<unknown> {
  const known = plausible[name];
  const wellKnown = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
    known && known.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: arb }) : arb;
  if (schema.enum) return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: hostileString() });
  switch (schema.type) {
    case 'string':
      return wellKnown(fc.oneof({ weight: 2, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: hostileString() }));
    case 'integer':
      return wellKnown(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -3, max: 250 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 0, 2 ** 31, -(2 ** 53 - 1), 2 ** 53 - 1) }));
    case 'number':
      return wellKnown(fc.oneof({ weight: 4, arbitrary: fc.double({ min: -0.5, max: 1.5, noNaN: true }) }, { weight: 1, arbitrary: hostileNumber() }));
    case 'boolean':
      return fc.boolean();
    case 'array':
      return wellKnown(
        fc.oneof(
          { weight: 4, arbitrary: fc.array(valueFor(schema.items ?? {}, `${name}[]`, plausible), { maxLength: 4 }) },
          { weight: 1, arbitrary: fc.array(valueFor(schema.items ?? {}, `${name}[]`, plausible), { minLength: 21, maxLength: 60 }) },
        ),
      );
    case 'object':
      return objectFor(schema, plausible);
    default:
      return hostileValue();
  }
}

function objectFor(schema: JsonSchema, plausible: Record<string, readonly unknown[]>): fc.Arbitrary<Record<string, unknown>> {
  const props = schema.properties ?? {};
  const shape = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valueFor(s, k, plausible)]));
  return fc.record(shape, { requiredKeys: [...(schema.required ?? [])] as string[] }) as fc.Arbitrary<Record<string, unknown>>;
}

/**
 * Arguments for a tool: about a third well-formed (from the schema), the rest with one to three
 * properties replaced by hostile or wrong-typed values, removed, or unknown ones added.
 */
export function argumentsFor(schema: JsonSchema, plausible: Record<string, readonly unknown[]> = {}): fc.Arbitrary<Record<string, unknown>> {
  const base = objectFor(schema, plausible);
  const keys = [...Object.keys(schema.properties ?? {}), 'unknown_extra', '__proto__'];
  const edit = fc.tuple(
    fc.constantFrom(...keys),
    fc.oneof({ weight: 3, arbitrary: hostileString() as fc.Arbitrary<unknown> }, { weight: 2, arbitrary: hostileValue() }, { weight: 1, arbitrary: fc.constant<unknown>(DELETE) }),
  );
  const mutated = fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([args, edits]) => {
    const out: Record<string, unknown> = { ...args };
    for (const [key, value] of edits) {
      if (value === DELETE) delete out[key];
      else Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
    }
    return out;
  });
  return fc.oneof({ weight: 1, arbitrary: base }, { weight: 2, arbitrary: mutated });
}

/** A call's arguments, short enough to print in a failure message. */
export function describeArgs(args: unknown): string {
  return JSON.stringify(args, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `<${v.length} chars: ${JSON.stringify(v.slice(0, 20))}…>` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/** A Node stack frame, which must never reach a user. */
export const STACK_TRACE = /\n\s+at .+[(:]\d+:\d+\)?|node:internal/;

const ERROR_TYPES = new Set(['validation_error', 'not_found', 'active_ghap_exists', 'not_available', 'embedder_mismatch', 'config_error', 'storage_error']);
const SCHEMA_REJECTION = /^MCP error -32602: Input validation error/;

interface ToolResultLike {
  readonly isError?: boolean;
  readonly content: readonly { type: string; text?: string }[];
}

/** What one tool result says, or why it breaks the contract: JSON on success, calm's error envelope or the SDK's schema rejection otherwise. */
export function judgeToolResult(r: ToolResultLike): { outcome: 'ok' | 'rejected'; problem?: string } {
  const block = r.content[0];
  if (!block || block.type !== 'text' || typeof block.text !== 'string') return { outcome: 'rejected', problem: `no text block: ${JSON.stringify(r).slice(0, 200)}` };
  const text = block.text;
  if (STACK_TRACE.test(text)) return { outcome: 'rejected', problem: `stack trace in result: ${text.slice(0, 300)}` };
  if (!r.isError) {
    try {
      JSON.parse(text);
      return { outcome: 'ok' };
    } catch {
      return { outcome: 'ok', problem: `success that is not JSON: ${text.slice(0, 200)}` };
    }
  }
  if (SCHEMA_REJECTION.test(text)) return { outcome: 'rejected' };
  let envelope: { error?: { type?: unknown; message?: unknown } };
  try {
    envelope = JSON.parse(text) as typeof envelope;
  } catch {
    return { outcome: 'rejected', problem: `unstructured error: ${text.slice(0, 200)}` };
  }
  const { type, message } = envelope.error ?? {};
  if (type === 'internal_error') return { outcome: 'rejected', problem: `internal error (a crash in a service): ${String(message)}` };
  if (typeof type !== 'string' || !ERROR_TYPES.has(type) || typeof message !== 'string' || message === '') {
    return { outcome: 'rejected', problem: `malformed error envelope: ${text.slice(0, 200)}` };
  }
  return { outcome: 'rejected' };
}
