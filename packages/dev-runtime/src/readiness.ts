import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `url` until it answers 200, or throws after `timeoutMs`. Returns the milliseconds it took. */
export async function waitForReady(url: string, timeoutMs: number, isAlive: () => boolean): Promise<number> {
  const started = performance.now();
  let last = 'no answer';
  while (performance.now() - started < timeoutMs) {
    if (!isAlive()) throw new Error(`${url}: stopped before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return Math.round(performance.now() - started);
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(150);
  }
  throw new Error(`${url} was not ready after ${timeoutMs} ms (last answer: ${last})`);
}
