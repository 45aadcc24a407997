import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, isSpanContextValid, isValidTraceId, propagation, trace } from '@opentelemetry/api';
import { startTelemetry } from './tracing.ts';

interface ExportedSpan {
  scope: string;
  name: string;
  traceId: string;
}
interface Export {
  resource: Record<string, unknown>;
  spans: ExportedSpan[];
}

/** A minimal OTLP/HTTP JSON collector. */
function startCollector() {
  const exports: Export[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const parsed = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { scope: { name: string }; spans: { name: string; traceId: string }[] }[];
          }[];
        };
        for (const rs of parsed.resourceSpans) {
          exports.push({
            resource: Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue])),
            spans: rs.scopeSpans.flatMap((ss) =>
              ss.spans.map((s) => ({ scope: ss.scope.name, name: s.name, traceId: s.traceId })),
            ),
          });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return {
    exports,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('startTelemetry without an exporter', () => {
  it('gives spans real trace ids and propagates W3C trace context, then undoes it all on shutdown', async () => {
    const telemetry = startTelemetry({ service: 'identity', version: '0.1.0', esmHooks: false });
    try {
      const carrier: Record<string, string> = {};
      const traceId = trace.getTracer('test').startActiveSpan('work', (span) => {
        propagation.inject(context.active(), carrier);
        span.end();
        return span.spanContext().traceId;
      });
      expect(isValidTraceId(traceId)).toBe(true);
      expect(carrier.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

      // An incoming traceparent continues the same trace.
      const parent = propagation.extract(context.active(), carrier);
      const child = trace.getTracer('test').startSpan('child', {}, parent);
      expect(child.spanContext().traceId).toBe(traceId);
      child.end();
    } finally {
      await telemetry.shutdown();
    }
    const after = trace.getTracer('test').startSpan('after');
    expect(isSpanContextValid(after.spanContext())).toBe(false);
    after.end();
  });

  it('returns the running instance when started twice, and starts again after shutdown', async () => {
    const first = startTelemetry({ service: 'identity', version: '0.1.0' }); // defaults, as main.ts would
    const { default: express } = await import('express'); // the ESM hook must not disturb jest's loader
    expect(typeof express).toBe('function');
    expect(startTelemetry({ service: 'other', version: '9', esmHooks: false })).toBe(first);
    await first.shutdown();
    await first.shutdown(); // idempotent
    const second = startTelemetry({ service: 'identity', version: '0.1.0', esmHooks: false });
    expect(second).not.toBe(first);
    const span = trace.getTracer('test').startSpan('again');
    expect(isSpanContextValid(span.spanContext())).toBe(true);
    span.end();
    await second.shutdown();
  });
});

describe('startTelemetry with an OTLP endpoint', () => {
  const collector = startCollector();
  let endpoint: string;
  beforeAll(async () => {
    endpoint = await collector.listen();
  });
  afterAll(() => collector.close());

  it('exports spans with the service name and version, flushed by shutdown', async () => {
    const telemetry = startTelemetry({
      service: 'audit',
      version: '1.2.3',
      otlpEndpoint: `${endpoint}/`,
      esmHooks: false,
    });
    const traceId = trace.getTracer('test').startActiveSpan('append audit record', (span) => {
      span.end();
      return span.spanContext().traceId;
    });
    await telemetry.shutdown();
    const spans = collector.exports.flatMap((e) => e.spans.map((s) => ({ ...s, resource: e.resource })));
    const span = spans.find((s) => s.name === 'append audit record');
    expect(span?.traceId).toBe(traceId);
    expect(span?.resource['service.name']).toBe('audit');
    expect(span?.resource['service.version']).toBe('1.2.3');
  });

  it('instruments an ESM express app in a real Node process (http and express spans)', async () => {
    const tracingUrl = new URL('./tracing.ts', import.meta.url).href;
    const script = `
      import { startTelemetry } from ${JSON.stringify(tracingUrl)};
      const telemetry = startTelemetry({ service: 'authz', version: '0.0.1', otlpEndpoint: ${JSON.stringify(endpoint)} });
      const { default: express } = await import('express');
      const app = express();
      app.get('/v1/roles/:id', (req, res) => res.json({ id: req.params.id }));
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const response = await fetch('http://127.0.0.1:' + server.address().port + '/v1/roles/7');
      console.log(response.status);
      await new Promise((resolve) => server.close(resolve));
      await telemetry.shutdown();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? '' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: '200' });

    const spans = collector.exports
      .filter((e) => e.resource['service.name'] === 'authz')
      .flatMap((e) => e.spans);
    const server = spans.find((s) => s.scope === '@opentelemetry/instrumentation-http');
    const handler = spans.find((s) => s.scope === '@opentelemetry/instrumentation-express');
    expect(server?.name).toBe('GET /v1/roles/:id');
    expect(handler?.traceId).toBe(server?.traceId);
  });
});
