import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { register as globalRegistry } from 'prom-client';
import { createMetrics, type Metrics } from './metrics.ts';

/** The value of one sample line, e.g. `http_requests_total{...} 3`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const lines = text.split('\n').filter((line) => line.startsWith(`${name}{`));
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = lines.find((l) => wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function series(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`));
}

async function startApp(metrics: Metrics) {
  const app = express();
  app.use(metrics.middleware);
  const route =
    (template: string): express.RequestHandler =>
    (_req, res, next) => {
      res.locals.route = template;
      next();
    };
  app.get('/v1/users/:id', route('/v1/users/{id}'), (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/v1/fail', route('/v1/fail'), (_req, res) => {
    res.status(503).json({ ok: false });
  });
  app.get('/v1/slow', route('/v1/slow'), (_req, res) => {
    setTimeout(() => {
      if (!res.destroyed) res.json({ ok: true });
    }, 300);
  });
  app.get('/v1/dynamic/:name', (req, res) => {
    res.locals.route = `/v1/dynamic/${req.params.name}`; // a misbehaving layer using raw values
    res.json({ ok: true });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.render());
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base };
}

describe('createMetrics: HTTP metrics through a real express app', () => {
  const metrics = createMetrics({ service: 'identity', maxRoutes: 6 });
  let server: ReturnType<typeof express.application.listen>;
  let base: string;

  beforeAll(async () => {
    ({ server, base } = await startApp(metrics));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('counts requests per method, declared route and status, with latency', async () => {
    for (const id of ['1', '2', '3']) expect((await fetch(`${base}/v1/users/${id}`)).status).toBe(200);
    const text = await metrics.render();
    const labels = { method: 'GET', route: '/v1/users/{id}', status: '200', service: 'identity' };
    expect(sample(text, 'http_requests_total', labels)).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_count', labels)).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(3);
    expect(text).not.toContain('/v1/users/1');
  });

  it('counts 5xx answers as errors, and only those', async () => {
    expect((await fetch(`${base}/v1/fail`, { method: 'POST' })).status).toBe(503);
    const text = await metrics.render();
    expect(
      sample(text, 'http_request_errors_total', { route: '/v1/fail', status: '503', method: 'POST' }),
    ).toBe(1);
    expect(sample(text, 'http_request_errors_total', { route: '/v1/users/{id}' })).toBeUndefined();
  });

  it('records a request whose client went away as 499', async () => {
    const controller = new AbortController();
    const aborted = fetch(`${base}/v1/slow`, { signal: controller.signal }).catch(() => 'aborted');
    setTimeout(() => controller.abort(), 50);
    expect(await aborted).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const text = await metrics.render();
    expect(sample(text, 'http_requests_total', { route: '/v1/slow', status: '499' })).toBe(1);
    expect(sample(text, 'http_requests_total', { route: '/v1/slow', status: '200' })).toBeUndefined();
  });

  it('labels unmatched paths "unmatched", never with the raw URL', async () => {
    for (let i = 0; i < 50; i++) await fetch(`${base}/random/${i}/${Math.random()}?q=${i}`);
    const text = await metrics.render();
    expect(sample(text, 'http_requests_total', { route: 'unmatched', status: '404' })).toBe(50);
    expect(text).not.toContain('/random/');
  });

  it('keeps the number of series bounded even when the route label misbehaves', async () => {
    const before = series(await metrics.render(), 'http_requests_total').length;
    for (let i = 0; i < 40; i++) await fetch(`${base}/v1/dynamic/n${i}`);
    const text = await metrics.render();
    // maxRoutes is 6; routes seen so far fill it, the rest collapse into `other`.
    expect(series(text, 'http_requests_total').length).toBeLessThanOrEqual(before + 6);
    expect(sample(text, 'http_requests_total', { route: 'other' })).toBeGreaterThan(30);
  });

  it('collapses unusual methods into OTHER', async () => {
    const { request } = await import('node:http');
    await new Promise<void>((resolve, reject) => {
      const req = request(`${base}/v1/users/9`, { method: 'PROPFIND' }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    const text = await metrics.render();
    expect(sample(text, 'http_requests_total', { method: 'OTHER', route: 'unmatched' })).toBe(1);
    expect(text).not.toContain('PROPFIND');
  });

  it('serves the Prometheus text format with process metrics', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(/process_cpu_user_seconds_total\{service="identity"\} \d/);
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });
});

describe('createMetrics: registries and business metrics', () => {
  it('uses its own registry, not the global one', async () => {
    const a = createMetrics({ service: 'a', defaultMetrics: false });
    const b = createMetrics({ service: 'b', defaultMetrics: false });
    a.counter('signups_total', 'Signups').inc();
    expect(await globalRegistry.metrics()).not.toContain('signups_total');
    expect(await b.render()).not.toContain('signups_total');
    expect(await a.render()).toContain('signups_total{service="a"} 1');
  });

  it('creates counters, histograms and gauges, and returns the same metric on a second call', async () => {
    const metrics = createMetrics({ service: 'identity', defaultMetrics: false });
    const logins = metrics.counter('logins_total', 'Logins by result', ['result']);
    logins.inc({ result: 'success' });
    metrics.counter('logins_total', 'Logins by result', ['result']).inc({ result: 'success' });
    metrics.histogram('argon2_seconds', 'Hash time', [], [0.01, 0.1]).observe(0.02);
    let lag = 0;
    metrics.gauge('outbox_lag_seconds', 'Age of the oldest unpublished event', [], (gauge) => {
      lag += 1;
      gauge.set(lag);
    });
    const text = await metrics.render();
    expect(text).toContain('logins_total{result="success",service="identity"} 2');
    expect(text).toContain('argon2_seconds_bucket{le="0.1",service="identity"} 1');
    expect(text).toContain('outbox_lag_seconds{service="identity"} 1');
    expect(await metrics.render()).toContain('outbox_lag_seconds{service="identity"} 2');
    expect(() => metrics.gauge('logins_total', 'clash')).toThrow(/another type/);
  });
});
