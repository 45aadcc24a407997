import { describe, expect, it } from '@jest/globals';
import {
  type AutocannonFigures,
  formatTable,
  judge,
  median,
  runFigures,
  summarize,
  summarizeCpu,
} from './report.bench.ts';

const result = (over: Partial<AutocannonFigures> = {}): AutocannonFigures => ({
  '2xx': 10_000,
  non2xx: 0,
  mismatches: 0,
  errors: 0,
  timeouts: 0,
  duration: 10,
  latency: { p50: 4, p99: 20 },
  ...over,
});

describe('runFigures', () => {
  it('counts only 2xx answers with the expected body as successes', () => {
    const figures = runFigures(result({ '2xx': 10_000, non2xx: 500, mismatches: 1_000 }));
    expect(figures.okPerSec).toBe(900);
    expect(figures.total).toBe(10_500);
    expect(figures.non2xx).toBe(500);
  });
});

describe('judge', () => {
  const bar = { kind: 'absolute', minPerSec: 1_000, maxP99Ms: 50 } as const;

  it('passes a run over the rate and under the p99', () => {
    expect(judge(summarize([runFigures(result())]), bar)).toEqual({ pass: true, reasons: [] });
  });

  it('fails a fast run with a single non-2xx answer', () => {
    const verdict = judge(summarize([runFigures(result({ '2xx': 50_000, non2xx: 1 }))]), bar);
    expect(verdict.pass).toBe(false);
    expect(verdict.reasons).toEqual(['1 non-2xx answers']);
  });

  it('fails on errors, a slow p99 or a low rate', () => {
    const slow = judge(summarize([runFigures(result({ latency: { p50: 4, p99: 51 } }))]), bar);
    expect(slow.reasons).toEqual(['p99 51 ms > 50 ms']);
    const errors = judge(summarize([runFigures(result({ errors: 2 }))]), bar);
    expect(errors.reasons).toEqual(['2 connection errors or timeouts']);
    const low = judge(summarize([runFigures(result({ '2xx': 9_990 }))]), bar);
    expect(low.pass).toBe(false);
  });

  it('judges a relative bar by the ratio to the reference', () => {
    const relative = { kind: 'relative', minRatio: 0.85, referenceLabel: 'raw argon2id' } as const;
    const summary = summarize([runFigures(result())]);
    expect(judge(summary, relative, 0.86).pass).toBe(true);
    expect(judge(summary, relative, 0.84).reasons).toEqual(['84 % of raw argon2id < 85 %']);
    expect(judge(summary, relative, undefined).pass).toBe(false);
  });

  it('fails when nothing ran', () => {
    expect(judge(summarize([]), bar).pass).toBe(false);
  });
});

describe('median and summaries', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('sums failures over runs and takes medians of rates', () => {
    const summary = summarize([
      runFigures(result({ '2xx': 10_000 })),
      runFigures(result({ '2xx': 30_000, non2xx: 2 })),
      runFigures(result({ '2xx': 20_000, non2xx: 1 })),
    ]);
    expect(summary.okPerSec).toBe(2_000);
    expect(summary.non2xx).toBe(3);
  });

  it('divides CPU by successes and leaves out runs without any', () => {
    const cpu = { serviceMs: 1_000, postgresMs: 500, loadGeneratorMs: 250, machineMs: 2_000, wallMs: 1_000 };
    const summary = summarizeCpu([
      { okPerSec: 1_000, cpu },
      { okPerSec: 0, cpu },
    ]);
    expect(summary.serviceMsPerOk).toBe(1);
    expect(summary.postgresMsPerOk).toBe(0.5);
    expect(summary.serviceCores).toBe(1);
    expect(summary.otherCores).toBe(0.25);
  });
});

describe('formatTable', () => {
  it('pads columns into a Markdown table', () => {
    expect(formatTable(['a', 'bb'], [['ccc', 'd']])).toBe('| a   | bb |\n| --- | -- |\n| ccc | d  |');
  });
});
