/** @module Everything the CLI prints: JSON or human text, tables, errors, progress bars. */
import { type CalmError, describeCause } from '../errors.js';

export interface OutputOptions {
  readonly json?: boolean;
}

export function print<T>(data: T, options: OutputOptions, human: (data: T) => string): void {
  const text = options.json ? JSON.stringify(data, null, 2) : human(data);
  if (text.length > 0) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** One error shape everywhere: the JSON envelope with --json, `Error: message` otherwise. */
export function printError(err: CalmError, options: OutputOptions): void {
  if (options.json) process.stderr.write(`${JSON.stringify(err.toEnvelope())}\n`);
  else process.stderr.write(`Error: ${err.message}\n`);
  if (err.type === 'internal_error' && err.cause !== undefined && process.env.CALM_DEBUG) {
    process.stderr.write(`${describeCause(err.cause)}\n`);
  }
}

export function table(rows: readonly object[], columns: readonly string[], headers?: readonly string[]): string {
  const head = headers ?? columns;
  const cells = rows.map((r) => columns.map((c) => formatCell((r as Record<string, unknown>)[c])));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/** A bar on stderr when it is a terminal; silent otherwise, so pipes and logs stay clean. */
export async function progress(label: string, total: number): Promise<Progress> {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(done);
    },
    stop() {
      bar.stop();
    },
  };
}

/** Download progress for model weights: one bar per file, in megabytes. */
export function downloadProgress(): { onProgress: (p: { file: string; loaded: number; total: number }) => void; stop: () => void } {
  const bars = new Map<string, Progress>();
  const starting = new Map<string, Promise<Progress>>();
  return {
    onProgress(p) {
      if (!process.stderr.isTTY || p.total <= 0) return;
      const mb = (n: number): number => Math.round((n / 1024 / 1024) * 10) / 10;
      const bar = bars.get(p.file);
      if (bar) bar.update(mb(p.loaded), mb(p.total));
      else if (!starting.has(p.file)) {
        starting.set(p.file, progress(`Downloading ${p.file} (MB)`, mb(p.total)).then((b) => (bars.set(p.file, b), b)));
      }
    },
    stop() {
      for (const b of bars.values()) b.stop();
    },
  };
}
