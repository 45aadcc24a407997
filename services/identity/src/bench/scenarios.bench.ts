/**
 * The timed parts of the identity benchmark: one autocannon run against the service (a distinct
 * request per call where the scenario needs it), and the raw argon2id reference.
 */
import { verify } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { type RunFigures, runFigures } from './report.bench.ts';

/** BENCH_DEBUG=1: every answer's status and the start of its body on stderr. */
const DEBUG = process.env.BENCH_DEBUG === '1';

/** The autocannon instance in flight, so a signal can stop it before cleaning up. */
let current: autocannon.Instance | undefined;

export function stopCurrentRun(): void {
  current?.stop();
}

export interface CannonOptions {
  url: string;
  path: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  /** The body of each request (called once per request, also for the first one of each connection). */
  body: () => string;
  /** Whether a 2xx answer's body is what the scenario expects; others count as mismatches. */
  expect: (body: string) => boolean;
  /** Called with each expected 2xx answer's body (e.g. to keep the refresh token it carries). */
  onOk?: (body: string) => void;
  /** Called with each failed answer's status and body (e.g. to report the first failures). */
  onFailure?: (status: number, body: string) => void;
}

/**
 * One timed run. Loopback only: the target must be `http://127.0.0.1:…`. Bounded by `seconds`;
 * requests time out after 10 s (autocannon's default) and count as errors.
 */
export async function cannon(options: CannonOptions): Promise<RunFigures> {
  const target = new URL(options.url);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost' && target.hostname !== '[::1]') {
    throw new Error(`refusing a non-loopback target: ${options.url}`);
  }
  let mismatches = 0;
  let finished: (result: autocannon.Result) => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      pipelining: 1,
      duration: options.seconds,
      requests: [
        {
          method: 'POST',
          path: options.path,
          headers: options.headers,
          setupRequest: (request) => ({ ...request, body: options.body() }),
          onResponse: (status, body) => {
            if (DEBUG) process.stderr.write(`${status} ${body.slice(0, 80)}\n`);
            if (status >= 200 && status < 300) {
              if (options.expect(body)) options.onOk?.(body);
              else {
                mismatches += 1;
                options.onFailure?.(status, body);
              }
            } else {
              options.onFailure?.(status, body);
            }
          },
        },
      ],
    },
    (error, result) => (error ? failed(error) : finished(result)),
  );
  current = instance;
  try {
    const result = await done;
    return runFigures({ ...result, mismatches });
  } finally {
    current = undefined;
  }
}

/**
 * The raw argon2id reference: `verify` of @node-rs/argon2 (the binding the service uses) against
 * stored hashes of the service's parameters, `concurrency` calls in flight through the libuv pool,
 * for `seconds`. Answers verifications per second and their latency percentiles.
 */
export async function rawArgon2Verify(options: {
  hashes: readonly string[];
  password: (index: number) => string;
  concurrency: number;
  seconds: number;
}): Promise<RunFigures> {
  const { hashes } = options;
  if (hashes.length === 0) throw new Error('rawArgon2Verify: no hashes');
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const start = performance.now();
  const end = start + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < end) {
        const i = next++ % hashes.length;
        const t = performance.now();
        const ok = await verify(hashes[i] as string, options.password(i));
        latencies.push(performance.now() - t);
        if (!ok) failures += 1;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    okPerSec: (latencies.length - failures) / elapsed,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    non2xx: failures,
    mismatches: 0,
    errors: 0,
    total: latencies.length,
  };
}
