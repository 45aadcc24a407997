/**
 * Raw argon2id throughput at the service's parameters (OWASP: 19 MiB, t=2, p=1), the physical
 * limit of password logins (quality bar: logins ≥ 85 % of this, measured in the same run).
 *
 *   node src/domain/password/argon2.bench.ts [seconds=5] [concurrency=cores]
 *
 * Prints one JSON line: single-stream hashes/s, hashes/s with `concurrency` in flight (all cores
 * through the libuv pool; UV_THREADPOOL_SIZE must be ≥ concurrency), and the median hash time.
 */
import { availableParallelism } from 'node:os';
import { hash } from '@node-rs/argon2';
import { OWASP_ARGON2ID } from './hashing.ts';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? availableParallelism());
const options = { ...OWASP_ARGON2ID, algorithm: 2 as const };

async function run(streams: number, ms: number): Promise<{ perSec: number; latencies: number[] }> {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        await hash(`bench-password-${s}-${i}`, options);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { perSec: latencies.length / ((performance.now() - start) / 1000), latencies };
}

await run(concurrency, 500); // warm-up
const single = await run(1, (seconds * 1000) / 2);
const parallel = await run(concurrency, (seconds * 1000) / 2);
const sorted = [...single.latencies].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bench: 'argon2id',
    params: OWASP_ARGON2ID,
    cores: availableParallelism(),
    concurrency,
    single_hashes_per_sec: Number(single.perSec.toFixed(1)),
    hashes_per_sec: Number(parallel.perSec.toFixed(1)),
    median_ms: Number((sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1)),
  }),
);
