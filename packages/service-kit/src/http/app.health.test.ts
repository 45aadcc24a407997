import { afterEach, describe, expect, it } from '@jest/globals';
import type { MetricsProvider, ReadinessReport } from './standard-routes.ts';
import type { TestApp } from './test-support.ts';
import { startTestApp } from './test-support.ts';

let api: TestApp | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('GET /healthz', () => {
  it('answers 200 {status: ok}', async () => {
    api = await startTestApp();
    const response = await fetch(`${api.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('answers 200 with no checks when the service has none', async () => {
    api = await startTestApp();
    const response = await fetch(`${api.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: {} });
  });

  it('answers 200 with the checks when all pass, 503 when one fails', async () => {
    let report: ReadinessReport = { ok: true, checks: { database: { ok: true }, broker: { ok: true } } };
    api = await startTestApp({ readiness: async () => report });
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { database: { ok: true }, broker: { ok: true } },
    });

    report = {
      ok: false,
      checks: { database: { ok: true }, broker: { ok: false, detail: 'queue not reachable' } },
    };
    const notReady = await fetch(`${api.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      status: 'unavailable',
      checks: { database: { ok: true }, broker: { ok: false, detail: 'queue not reachable' } },
    });
  });

  it('answers 503 without details when the check itself throws', async () => {
    api = await startTestApp({
      readiness: async () => {
        throw new Error('ECONNREFUSED 10.0.0.5:5432 password=x');
      },
    });
    const response = await fetch(`${api.url}/readyz`);
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(text).not.toContain('ECONNREFUSED');
    expect(JSON.parse(text)).toEqual({
      status: 'unavailable',
      checks: { readiness: { ok: false, detail: 'check failed' } },
    });
    expect(api.logger.entries.some((e) => e.level === 'warn' && e.message === 'readiness check failed')).toBe(
      true,
    );
  });
});

describe('GET /metrics and route labels', () => {
  /** A tiny real metrics provider: counts requests by the route label the app sets. */
  function countingMetrics(): MetricsProvider & { counts: Map<string, number> } {
    const counts = new Map<string, number>();
    return {
      counts,
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      middleware: (_req, res, next) => {
        res.on('finish', () => {
          const key = `${String(res.locals.route)} ${res.statusCode}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        });
        next();
      },
      render: async () =>
        [...counts]
          .map(([key, n]) => `requests{route="${key.split(' ')[0]}",status="${key.split(' ')[1]}"} ${n}`)
          .join('\n'),
    };
  }

  it('is absent when no metrics are configured', async () => {
    api = await startTestApp();
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
  });

  it('serves the rendered metrics with their content type', async () => {
    const metrics = countingMetrics();
    api = await startTestApp({ metrics });
    await fetch(`${api.url}/healthz`);
    const response = await fetch(`${api.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toContain('requests{route="/healthz",status="200"} 1');
  });

  it('labels requests with the declared path pattern, or "unmatched"', async () => {
    const metrics = countingMetrics();
    api = await startTestApp({ metrics });
    await fetch(`${api.url}/v1/users/0190a6e2-3c4b-7def-8123-456789abcdef`);
    await fetch(`${api.url}/v1/users/0190a6e2-3c4b-7def-8123-000000000000`);
    await fetch(`${api.url}/v1/users/0190a6e2-3c4b-7def-8123-000000000000`, { method: 'DELETE' });
    await fetch(`${api.url}/v1/users`, { method: 'PUT' });
    await fetch(`${api.url}/random/${Math.random()}`);
    await new Promise((r) => setTimeout(r, 20));
    expect(Object.fromEntries(metrics.counts)).toEqual({
      '/v1/users/{id} 200': 1,
      '/v1/users/{id} 404': 1,
      '/v1/users/{id} 401': 1,
      '/v1/users 405': 1,
      'unmatched 404': 1,
    });
  });
});
