import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import winston from 'winston';
import { startTelemetry, type Telemetry } from '../telemetry/tracing.ts';
import { createLogger, type LoggerOptions } from './logger.ts';
import { REDACTED } from './scrub.ts';

const SECRET = 'S3cr3t-value-that-must-not-leak';
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLWJ5dGVz';

/** A logger writing into memory; `lines()` waits for winston to flush and parses every line. */
function capture(options: Partial<LoggerOptions> = {}) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ service: 'identity', stream, ...options });
  return {
    logger,
    raw: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return chunks.join('');
    },
    lines: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const text = chunks.join('');
      expect(text.endsWith('\n')).toBe(true);
      return text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

describe('createLogger: one JSON object per line', () => {
  it('writes service, level, msg, time and metadata', async () => {
    const { logger, lines } = capture();
    logger.info('user registered', { request_id: 'req-1', user_id: 'u-1' });
    logger.warn('slow query', { duration_ms: 812 });
    const [first, second] = await lines();
    expect(first).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      service: 'identity',
      msg: 'user registered',
      request_id: 'req-1',
      user_id: 'u-1',
    });
    expect(first).not.toHaveProperty('message');
    expect(second).toMatchObject({ level: 'warn', msg: 'slow query', duration_ms: 812 });
  });

  it('still writes through winston after a reconfiguration (an added transport gets every line)', async () => {
    const { logger, lines } = capture();
    const extra: string[] = [];
    logger.add(
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer, _encoding, callback) {
            extra.push(chunk.toString());
            callback();
          },
        }),
      }),
    );
    logger.info('both', { request_id: 'r-both' });
    expect(await lines()).toEqual([expect.objectContaining({ msg: 'both', request_id: 'r-both' })]);
    expect(extra.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ msg: 'both', request_id: 'r-both', service: 'identity' }),
    ]);
  });

  it('respects the level', async () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.info('hidden');
    logger.debug('hidden');
    logger.error('shown');
    expect((await lines()).map((l) => l.msg)).toEqual(['shown']);
  });

  it('keeps core fields when metadata uses their names', async () => {
    const { logger, lines } = capture();
    logger.info('real message', { service: 'spoofed', time: 'then', msg: 'fake' });
    expect(await lines()).toEqual([expect.objectContaining({ service: 'identity', msg: 'real message' })]);
  });

  it('carries child metadata such as request_id', async () => {
    const { logger, lines } = capture();
    logger.child({ request_id: 'req-9' }).child({ client_id: 'c1' }).info('token issued', { token: SECRET });
    expect(await lines()).toEqual([
      expect.objectContaining({ request_id: 'req-9', client_id: 'c1', msg: 'token issued', token: REDACTED }),
    ]);
  });

  it('logs errors with message, stack and cause', async () => {
    const { logger, lines } = capture();
    const error = new Error('db unreachable', {
      cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    });
    logger.error('request failed', { err: error, request_id: 'r' });
    logger.error('request failed', error);
    logger.error(error);
    const [a, b, c] = await lines();
    for (const line of [a, b]) {
      expect(line).toMatchObject({
        msg: 'request failed',
        err: {
          name: 'Error',
          message: 'db unreachable',
          cause: { code: 'ECONNREFUSED', message: 'refused' },
        },
      });
      expect(String((line?.err as { stack?: string } | undefined)?.stack)).toContain('db unreachable');
    }
    expect(c).toMatchObject({
      level: 'error',
      msg: 'db unreachable',
      err: { cause: { code: 'ECONNREFUSED' } },
    });
  });

  it('survives circular metadata', async () => {
    const { logger, lines } = capture();
    const loop: Record<string, unknown> = { id: 1 };
    loop.self = loop;
    logger.info('loop', { loop });
    expect(await lines()).toEqual([expect.objectContaining({ loop: { id: 1, self: '[Circular]' } })]);
  });
});

describe('createLogger: redaction everywhere', () => {
  it('redacts every category in metadata, nested objects and arrays', async () => {
    const { logger, raw, lines } = capture();
    logger.info('login', {
      password: SECRET,
      body: { email: 'a@example.com', newPassword: SECRET, otp_code: SECRET },
      headers: {
        Authorization: `Bearer ${SECRET}`,
        cookie: `sid=${SECRET}`,
        'Set-Cookie': [`refresh=${SECRET}`],
        'x-request-id': 'req-2',
      },
      tokens: [{ access_token: SECRET, refresh_token: SECRET, id_token: SECRET, token_hint: 'kept?' }],
      client: { client_id: 'c1', client_secret: SECRET, apiKey: SECRET, private_key: SECRET },
      webhook: { signature: SECRET, url: 'https://hooks.example/x' },
      verification_code: SECRET,
      code: SECRET,
    });
    expect(await raw()).not.toContain(SECRET);
    const [line] = await lines();
    expect(line).toMatchObject({
      password: REDACTED,
      body: { email: 'a@example.com', newPassword: REDACTED, otp_code: REDACTED },
      headers: { Authorization: REDACTED, cookie: REDACTED, 'Set-Cookie': REDACTED, 'x-request-id': 'req-2' },
      tokens: REDACTED,
      client: { client_id: 'c1', client_secret: REDACTED, apiKey: REDACTED, private_key: REDACTED },
      webhook: { signature: REDACTED, url: 'https://hooks.example/x' },
      verification_code: REDACTED,
      code: REDACTED,
    });
  });

  it('scrubs secrets that appear inside the message', async () => {
    const { logger, raw } = capture();
    logger.info(`GET /cb?code=${SECRET}&state=s`);
    logger.info(`presented Bearer ${SECRET}`);
    logger.info(`token ${JWT} rejected`);
    logger.warn(`login form password=${SECRET}&email=a@b.c`);
    logger.info('%s', `interpolated client_secret=${SECRET}`);
    const text = await raw();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(JWT);
    expect(text).toContain('state=s');
    expect(text).toContain('email=a@b.c');
    expect(text).toContain('"msg":"interpolated client_secret=[REDACTED]"');
  });

  it('redacts secrets inside logged errors and their causes', async () => {
    const { logger, raw } = capture();
    const cause = Object.assign(new Error(`connect postgres://app:${SECRET}@db/x`), { password: SECRET });
    const error = Object.assign(new Error(`refresh failed for refresh_token=${SECRET}`, { cause }), {
      request: { headers: { authorization: `Bearer ${SECRET}` } },
    });
    logger.error('failed', { err: error });
    logger.error(error);
    logger.error('as meta', error);
    const text = await raw();
    expect(text).not.toContain(SECRET);
    expect(text).toContain('refresh_token=[REDACTED]');
  });

  it('redacts record-style calls and never mutates what the caller passed', async () => {
    const { logger, raw } = capture();
    const record = { message: `record with password=${SECRET}`, otp: SECRET, nested: { token: SECRET } };
    const meta = { headers: { authorization: `Bearer ${SECRET}` }, list: [{ secret: SECRET }] };
    const error = new Error('boom');
    const before = structuredClone({ record, meta });
    logger.info(record);
    logger.log('info', 'meta', meta);
    logger.log({ level: 'info', message: 'log object', api_key: SECRET });
    logger.error(error);
    expect({ record, meta }).toEqual(before);
    expect(Object.keys(error)).toEqual([]);
    expect(await raw()).not.toContain(SECRET);
  });

  it('leaves non-secrets untouched', async () => {
    const { logger, lines } = capture();
    const meta = {
      request_id: 'req-3',
      user: { id: 'u-1', email: 'a@example.com', roles: ['admin'] },
      http: { method: 'POST', route: '/v1/users/{id}', status_code: 201, duration_ms: 12.5 },
      error_code: 'token_expired',
      url: 'https://example.com/cb?state=xyz',
    };
    logger.info('done', meta);
    expect(await lines()).toEqual([expect.objectContaining(meta)]);
  });
});

describe('createLogger: trace context', () => {
  let telemetry: Telemetry;
  beforeAll(() => {
    telemetry = startTelemetry({ service: 'identity', version: 'test', esmHooks: false });
  });
  afterAll(() => telemetry.shutdown());

  it('adds trace_id and span_id of the active span', async () => {
    const { logger, lines } = capture();
    const ids = trace.getTracer('test').startActiveSpan('handle request', (span) => {
      logger.info('inside');
      span.end();
      return span.spanContext();
    });
    logger.info('outside');
    const [inside, outside] = await lines();
    expect(inside).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span_id');
  });

  it('uses the span active when the call was made, even across awaits', async () => {
    const { logger, lines } = capture();
    const tracer = trace.getTracer('test');
    const seen = await Promise.all(
      ['a', 'b'].map((name) =>
        tracer.startActiveSpan(name, async (span) => {
          await new Promise((resolve) => setTimeout(resolve, name === 'a' ? 20 : 1));
          logger.info(name);
          span.end();
          return span.spanContext().spanId;
        }),
      ),
    );
    const byMsg = Object.fromEntries((await lines()).map((l) => [l.msg, l.span_id]));
    expect(byMsg).toEqual({ a: seen[0], b: seen[1] });
  });
});
