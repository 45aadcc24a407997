/**
 * Pure parts of the identity benchmark: what one timed run yields, the median of several runs,
 * whether a scenario meets its bar (quality.md "Performance"), and the printed table.
 *
 * Only successful answers count as throughput: a run's rate is (2xx − body mismatches) / duration,
 * and any non-2xx answer, body mismatch, connection error or timeout fails the bar outright.
 */

/** One timed run of one scenario. */
export interface RunFigures {
  /** Successful answers per second: 2xx with the expected body, over the run's duration. */
  okPerSec: number;
  /** Latency percentiles in ms over every answer (failures included). */
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx. */
  non2xx: number;
  /** 2xx answers whose body was not what the scenario expects. */
  mismatches: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers, successful or not. */
  total: number;
  /** CPU spent during the run, where measured. */
  cpu?: CpuFigures | undefined;
}

/** The subset of autocannon's result that a run is computed from. */
export interface AutocannonFigures {
  '2xx': number;
  non2xx: number;
  mismatches: number;
  errors: number;
  timeouts: number;
  duration: number;
  latency: { p50: number; p99: number };
}

export function runFigures(result: AutocannonFigures): RunFigures {
  const ok = Math.max(0, result['2xx'] - result.mismatches);
  const duration = result.duration > 0 ? result.duration : Number.NaN;
  return {
    okPerSec: ok / duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    // autocannon counts timeouts among its errors already.
    errors: result.errors,
    total: result['2xx'] + result.non2xx,
  };
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The medians of several runs; failure counts are summed over all runs (one failure is one too many). */
export interface ScenarioSummary {
  okPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  mismatches: number;
  errors: number;
  runs: number;
}

export function summarize(runs: readonly RunFigures[]): ScenarioSummary {
  return {
    okPerSec: median(runs.map((r) => r.okPerSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    mismatches: runs.reduce((n, r) => n + r.mismatches, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    runs: runs.length,
  };
}

/** A bar: an absolute rate and p99, or a share of a reference rate measured in the same run. */
export type Bar =
  | { kind: 'absolute'; minPerSec: number; maxP99Ms?: number }
  | { kind: 'relative'; minRatio: number; referenceLabel: string };

export interface Verdict {
  pass: boolean;
  /** Why it fails, empty when it passes. */
  reasons: string[];
}

/**
 * Whether a scenario meets its bar. `ratio` is the median of the per-run ratios to the reference
 * (relative bars only).
 */
export function judge(summary: ScenarioSummary, bar: Bar, ratio?: number): Verdict {
  const reasons: string[] = [];
  if (summary.runs === 0) reasons.push('no run');
  if (summary.non2xx > 0) reasons.push(`${summary.non2xx} non-2xx answers`);
  if (summary.mismatches > 0) reasons.push(`${summary.mismatches} answers with an unexpected body`);
  if (summary.errors > 0) reasons.push(`${summary.errors} connection errors or timeouts`);
  if (bar.kind === 'absolute') {
    if (!(summary.okPerSec >= bar.minPerSec))
      reasons.push(`${fmtRate(summary.okPerSec)}/s < ${bar.minPerSec}/s`);
    if (bar.maxP99Ms !== undefined && !(summary.p99Ms <= bar.maxP99Ms)) {
      reasons.push(`p99 ${fmtMs(summary.p99Ms)} > ${bar.maxP99Ms} ms`);
    }
  } else if (ratio === undefined || !(ratio >= bar.minRatio)) {
    reasons.push(`${fmtPercent(ratio)} of ${bar.referenceLabel} < ${fmtPercent(bar.minRatio)}`);
  }
  return { pass: reasons.length === 0, reasons };
}

export function describeBar(bar: Bar): string {
  if (bar.kind === 'relative') return `≥ ${fmtPercent(bar.minRatio)} of ${bar.referenceLabel}`;
  const p99 = bar.maxP99Ms === undefined ? '' : `, p99 ≤ ${bar.maxP99Ms} ms`;
  return `≥ ${bar.minPerSec.toLocaleString('en-US')}/s${p99}`;
}

export function fmtRate(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  return value >= 100
    ? Math.round(value).toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

export function fmtMs(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  return `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 1 })} ms`;
}

export function fmtPercent(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  return `${Math.round(value * 100)} %`;
}

/** CPU spent during one run (see cpu.bench.ts), in milliseconds. */
export interface CpuFigures {
  serviceMs: number;
  postgresMs: number;
  loadGeneratorMs: number;
  machineMs: number;
  wallMs: number;
}

/** CPU per successful request and cores in use, the medians over runs. */
export interface CpuSummary {
  serviceMsPerOk: number;
  postgresMsPerOk: number;
  loadGeneratorMsPerOk: number;
  serviceCores: number;
  postgresCores: number;
  loadGeneratorCores: number;
  machineCores: number;
  /** Cores busy with other work on the host (machine − the three above). */
  otherCores: number;
}

export function summarizeCpu(
  runs: readonly { okPerSec: number; cpu?: CpuFigures | undefined }[],
): CpuSummary {
  // A run without a single success has no cost per success (it shows in the rate and the verdict).
  const measured = runs.filter(
    (r): r is { okPerSec: number; cpu: CpuFigures } =>
      r.cpu !== undefined && r.cpu.wallMs > 0 && r.okPerSec > 0,
  );
  const perOk = (pick: (c: CpuFigures) => number) =>
    median(measured.map((r) => pick(r.cpu) / (r.okPerSec * (r.cpu.wallMs / 1000))));
  const cores = (pick: (c: CpuFigures) => number) => median(measured.map((r) => pick(r.cpu) / r.cpu.wallMs));
  return {
    serviceMsPerOk: perOk((c) => c.serviceMs),
    postgresMsPerOk: perOk((c) => c.postgresMs),
    loadGeneratorMsPerOk: perOk((c) => c.loadGeneratorMs),
    serviceCores: cores((c) => c.serviceMs),
    postgresCores: cores((c) => c.postgresMs),
    loadGeneratorCores: cores((c) => c.loadGeneratorMs),
    machineCores: cores((c) => c.machineMs),
    otherCores: cores(
      (c) => c.machineMs - c.serviceMs - (Number.isNaN(c.postgresMs) ? 0 : c.postgresMs) - c.loadGeneratorMs,
    ),
  };
}

export function fmtCores(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  return value.toFixed(2);
}

/** A Markdown table (padded, so it also reads well in a terminal). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    `| ${widths.map((w, i) => (row[i] ?? '').padEnd(w)).join(' | ')} |`;
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
