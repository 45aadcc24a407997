import { Writable } from 'node:stream';
import { createLogger, startTelemetry, type Telemetry } from '@authplatform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import type { InboxDatabase } from '../inbox/schema.ts';
import { createConsumerSpy, createQueueWithDlq, sendMessage } from '../testing/index.ts';
import { createConsumer } from './consumer.ts';
import { openSuite, parseTestEvent, type Suite, type TestEvent, testEvent } from './test-support.ts';
import { extractTraceContext } from './trace.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;

describe('extractTraceContext without a registered propagator', () => {
  it('reads the W3C header itself', () => {
    expect(trace.getSpanContext(extractTraceContext(TRACEPARENT))).toEqual({
      traceId: TRACE_ID,
      spanId: PARENT_SPAN_ID,
      traceFlags: 1,
      isRemote: true,
    });
  });

  it('starts a new trace for a missing, malformed or all-zero header', () => {
    for (const header of [
      undefined,
      '',
      'nonsense',
      `00-${'0'.repeat(32)}-${PARENT_SPAN_ID}-01`,
      `ff-${TRACE_ID}-${PARENT_SPAN_ID}-01`,
    ]) {
      expect(trace.getSpanContext(extractTraceContext(header))).toBeUndefined();
    }
  });
});

describe('handlers run in the producer’s trace', () => {
  let suite: Suite<InboxDatabase>;
  let telemetry: Telemetry;

  beforeAll(async () => {
    // The real SDK: async-local context manager and W3C propagator, spans kept local.
    telemetry = startTelemetry({
      service: 'messaging-test',
      version: '0.0.0',
      esmHooks: false,
      instrumentations: [],
    });
    suite = await openSuite<InboxDatabase>();
  });

  afterAll(async () => {
    await suite.close();
    await telemetry.shutdown();
  });

  it('continues the trace of the event’s traceparent in the handler and its log lines', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('trace'),
    });
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      service: 'messaging-test',
      stream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    });
    const spy = createConsumerSpy();
    const seen: Array<{ traceId: string; spanId: string } | undefined> = [];
    const consumer = createConsumer<TestEvent, InboxDatabase>({
      db: suite.service.db,
      sqs: suite.clients.sqs,
      queueUrl,
      dlqUrl,
      parse: parseTestEvent,
      waitTimeSeconds: 1,
      logger,
      onEvent: spy.onEvent,
      handlers: {
        'identity.login.succeeded': async (_event, { log }) => {
          const span = trace.getSpanContext(context.active());
          seen.push(span && { traceId: span.traceId, spanId: span.spanId });
          log.info('sending new-device alert');
        },
      },
    });
    consumer.start();
    const traced = testEvent('identity.login.succeeded', { new_device: true }, { traceparent: TRACEPARENT });
    const untraced = testEvent('identity.login.succeeded', { new_device: false });
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, traced);
    await spy.waitFor({ id: traced.id });
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, untraced);
    await spy.waitFor({ id: untraced.id });
    await consumer.stop();

    const [first, second] = seen;
    expect(first?.traceId).toBe(TRACE_ID);
    // A consumer span of its own, child of the producer's.
    expect(first?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(first?.spanId).not.toBe(PARENT_SPAN_ID);
    expect(second?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(second?.traceId).not.toBe(TRACE_ID);

    const alerts = lines.filter((l) => l.msg === 'sending new-device alert');
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toMatchObject({
      trace_id: TRACE_ID,
      message_id: traced.id,
      type: traced.type,
      receive_count: 1,
    });
    expect(alerts[1]).toMatchObject({ message_id: untraced.id });
    expect(alerts[1]?.trace_id).not.toBe(TRACE_ID);
  });
});
