/**
 * Trace context of requests when telemetry runs without an exporter: the HTTP layer's own server
 * span (`telemetry/server-span.ts`) continues an incoming W3C traceparent, and its ids reach the
 * access log and everything the handler logs, also after awaiting the body.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { createLogger } from '../logging/logger.ts';
import { startTelemetry, type Telemetry } from '../telemetry/tracing.ts';
import { createHttpApp } from './app.ts';
import { defineRoute } from './route.ts';
import { listen, type RunningApp } from './test-support.ts';

const lines: Array<Record<string, unknown>> = [];
const stream = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line));
    callback();
  },
});
const logger = createLogger({ service: 'traced', level: 'debug', stream });

const echo = defineRoute({
  method: 'post',
  path: '/v1/echo',
  operationId: 'echo',
  summary: 'Logs and answers',
  request: { body: Type.Object({ word: Type.String() }) },
  responses: { 200: { description: 'ok', schema: Type.Object({ word: Type.String() }) } },
  handler: async ({ body, reply, requestId }) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    logger.info('handled', { request_id: requestId });
    return reply(200, body);
  },
});

let telemetry: Telemetry;
let api: RunningApp;
beforeAll(async () => {
  telemetry = startTelemetry({ service: 'traced', version: '0.0.1', esmHooks: false });
  const { app } = createHttpApp({ service: { name: 'traced', version: '0.0.1' }, routes: [echo], logger });
  api = await listen(app);
});
afterAll(async () => {
  await api.close();
  await telemetry.shutdown();
});

const post = (requestId: string, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/v1/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
    body: JSON.stringify({ word: 'hi' }),
  });

async function linesOf(requestId: string, count: number) {
  for (let i = 0; i < 50; i++) {
    const found = lines.filter((l) => l.request_id === requestId);
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected ${count} lines for ${requestId}`);
}

describe('request trace context without an exporter', () => {
  it('continues an incoming traceparent in the access log and the handler’s logs', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpan = '00f067aa0ba902b7';
    const response = await post('traced-1', { traceparent: `00-${traceId}-${parentSpan}-01` });
    expect(response.status).toBe(200);
    const [handled, access] = await linesOf('traced-1', 2);
    expect(handled).toMatchObject({ msg: 'handled', trace_id: traceId });
    expect(access).toMatchObject({ msg: 'http request', route: '/v1/echo', status: 200, trace_id: traceId });
    expect(access?.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(access?.span_id).not.toBe(parentSpan);
    expect(handled?.span_id).toBe(access?.span_id);
  });

  it('starts a new trace per request without one, and ignores a malformed traceparent', async () => {
    await post('traced-2');
    await post('traced-3', { traceparent: 'not-a-traceparent' });
    const [a] = await linesOf('traced-2', 2);
    const [b] = await linesOf('traced-3', 2);
    expect(a?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(b?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(a?.trace_id).not.toBe(b?.trace_id);
  });

  it('does not trace probes', async () => {
    await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': 'probe-1' } });
    const [access] = await linesOf('probe-1', 1);
    expect(access).toMatchObject({ level: 'debug', route: '/healthz' });
    expect(access).not.toHaveProperty('trace_id');
  });
});
