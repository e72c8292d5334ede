/**
 * @module The shared report of `npm run bench`: every benchmark hands its figures, each beside the floor
 * measured in the same run, to `record`; run.ts collects them (a JSON line each in $CALM_BENCH_REPORT)
 * and writes bench/results/latest.md and latest.json. Run on its own, a benchmark prints them only.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Figure {
  /** Which benchmark and case, e.g. "mcp" / "list_memories, first page". */
  readonly group: string;
  readonly name: string;
  /** Records in the store when measured. */
  readonly n?: number | undefined;
  readonly value: number;
  readonly floor: number;
  /** What the floor is, e.g. "raw SQL on the same connection". */
  readonly floorName: string;
  readonly unit: string;
  /** value ÷ floor */
  readonly ratio: number;
  /** The ratio this figure must stay within, when the issue sets one. */
  readonly target?: number | undefined;
  readonly pass?: boolean | undefined;
  readonly note?: string | undefined;
}

export type FigureInput = Omit<Figure, 'ratio' | 'pass'>;

export function record(...figures: FigureInput[]): Figure[] {
  const out = figures.map((f): Figure => {
    const ratio = f.value / f.floor;
    return { ...f, ratio, ...(f.target !== undefined ? { pass: ratio <= f.target } : {}) };
  });
  const file = process.env.CALM_BENCH_REPORT;
  for (const f of out) {
    if (file) appendFileSync(file, `${JSON.stringify(f)}\n`);
    if (process.env.CALM_BENCH_REPORT_QUIET) continue; // the benchmark prints its own table
    const verdict = f.target === undefined ? '' : `  target ≤ ${f.target}× ${f.pass ? 'PASS' : 'FAIL'}`;
    console.log(`${f.group.padEnd(8)} ${f.name.padEnd(44)} ${fmt(f.value, f.unit).padStart(12)}  floor ${fmt(f.floor, f.unit).padStart(12)} (${f.floorName})  ${f.ratio.toFixed(2)}×${verdict}`);
  }
  return out;
}

export function fmt(x: number, unit: string): string {
  if (unit === 'ms') return x < 1 ? `${x.toFixed(3)} ms` : x < 100 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`;
  return `${x.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${unit}`;
}

/**
 * Median of `runs` timed calls after `warmup` untimed ones (the median resists the noise of a shared
 * machine). Calls get distinct indexes: the warm-up ones come after the timed ones.
 */
export async function median(runs: number, fn: (i: number) => unknown, warmup = 5): Promise<number> {
  for (let i = runs; i < runs + warmup; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/**
 * Medians of two functions timed turn about (a, b, a, b, ...), so a busy neighbour slows both alike:
 * calm's figure and its floor come from the same moments of the run.
 */
export async function paired(runs: number, a: (i: number) => unknown, b: (i: number) => unknown, warmup = 5): Promise<[number, number]> {
  const [ma, mb] = await turnAbout(runs, [a, b], warmup);
  return [ma!, mb!];
}

/**
 * `paired` for any number of calls: each run calls every one; their medians, in the order given. With
 * `rotate`, each run starts one call further along, so none is always the first after the others (the
 * first call after another connection's write re-reads the pages it had cached).
 */
export async function turnAbout(runs: number, calls: readonly ((i: number) => unknown)[], warmup = 5, rotate = false): Promise<number[]> {
  for (let i = runs; i < runs + warmup; i++) for (const call of calls) await call(i);
  const samples = calls.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < calls.length; k++) {
      const c = rotate ? (i + k) % calls.length : k;
      const t0 = performance.now();
      await calls[c]!(i);
      samples[c]!.push(performance.now() - t0);
    }
  }
  const mid = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return samples.map(mid);
}

/** Peak resident memory of a process in MB: this one by resourceUsage, a child by /proc (Linux). */
export function peakRssMb(pid?: number): number | undefined {
  if (pid === undefined) return process.resourceUsage().maxRSS / 1024;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

