import { setTimeout as delay } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { recordInInbox } from '../inbox/inbox.ts';
import { AckBuffer, SQS_BATCH_LIMIT } from './ack-buffer.ts';
import { type BackoffOptions, backoffDelaySec, MAX_VISIBILITY_SEC } from './backoff.ts';
import type { ConsumableMessage, ParseResult } from './contracts.ts';
import { deadLetterAttributes, describeError, receiveCountOf } from './dead-letter.ts';
import { ConsumerError } from './errors.ts';
import { consumerMetrics, type DeadLetterReason } from './metrics.ts';
import { extractTraceContext } from './trace.ts';
import type {
  Consumer,
  ConsumerEvent,
  ConsumerLogger,
  ConsumerOptions,
  HandlerContext,
  MessageHandler,
  StopOptions,
} from './types.ts';

const tracer = trace.getTracer('@authplatform/messaging');

/** Pause after a failed receive: 200 ms doubling to 5 s while the broker stays unreachable. */
const RECEIVE_RETRY_MS = { base: 100, max: 5000 };

/** One received message, from the receive until it is deleted, retried, dead-lettered or released. */
interface Flight {
  readonly raw: Message;
  readonly sqsMessageId: string;
  readonly receiptHandle: string;
  readonly receiveCount: number;
  readonly receivedAt: Date;
  readonly abort: AbortController;
  id: string | undefined;
  type: string | undefined;
  /** Set by `stop()` when it gave up waiting: nothing more may be done with this delivery. */
  abandoned: boolean;
  /** Holds one of the `concurrency` handler slots. */
  running: boolean;
  /** The handler part is over: it no longer counts against `concurrency + prefetch`. */
  slotFreed: boolean;
  heartbeat: Heartbeat | undefined;
}

interface Heartbeat {
  /** Stops the timer and waits for a visibility change already sent. */
  stop(): Promise<void>;
}

/** `id` and `type` of a body that failed validation, when it is a JSON object that has them as strings. */
function peekIdentity(body: string): { id?: string; type?: string } {
  try {
    const value: unknown = JSON.parse(body);
    if (value === null || typeof value !== 'object') return {};
    const { id, type } = value as { id?: unknown; type?: unknown };
    return {
      ...(typeof id === 'string' ? { id } : {}),
      ...(typeof type === 'string' ? { type } : {}),
    };
  } catch {
    return {};
  }
}

function queueNameOf(url: string): string {
  const parts = url.split('/').filter((p) => p !== '');
  return parts[parts.length - 1] ?? url;
}

function withMeta(logger: ConsumerLogger, base: Record<string, unknown>): ConsumerLogger {
  return {
    info: (message, meta) => logger.info(message, { ...base, ...meta }),
    warn: (message, meta) => logger.warn(message, { ...base, ...meta }),
    error: (message, meta) => logger.error(message, { ...base, ...meta }),
  };
}

function validate<M extends ConsumableMessage, DB>(options: ConsumerOptions<M, DB>) {
  const fail = (what: string): never => {
    throw new ConsumerError('invalid_options', `createConsumer: ${what}.`);
  };
  const concurrency = options.concurrency ?? 10;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const visibilityTimeoutSec = options.visibilityTimeoutSec ?? 30;
  const heartbeat = options.heartbeatIntervalMs ?? (visibilityTimeoutSec * 1000) / 3;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  const prefetch = options.prefetch ?? 10;
  const deleteBatchWindowMs = options.deleteBatchWindowMs ?? 10;
  if (typeof options.queueUrl !== 'string' || options.queueUrl === '') fail('queueUrl is required');
  if (typeof options.dlqUrl !== 'string' || options.dlqUrl === '') fail('dlqUrl is required');
  if (typeof options.parse !== 'function') fail('parse must be a function');
  if (options.handlers === null || typeof options.handlers !== 'object') fail('handlers must be an object');
  if (options.deduplicationKey !== undefined && typeof options.deduplicationKey !== 'function') {
    fail('deduplicationKey must be a function');
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) fail('concurrency must be a positive integer');
  if (!Number.isInteger(prefetch) || prefetch < 0) fail('prefetch must be a non-negative integer');
  if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 1 || waitTimeSeconds > 20) {
    fail('waitTimeSeconds must be an integer from 1 to 20 (long polling)');
  }
  if (!Number.isInteger(visibilityTimeoutSec) || visibilityTimeoutSec < 1) {
    fail('visibilityTimeoutSec must be a positive integer');
  }
  if (visibilityTimeoutSec > MAX_VISIBILITY_SEC)
    fail(`visibilityTimeoutSec must be at most ${MAX_VISIBILITY_SEC}`);
  if (heartbeat !== false && (!(heartbeat > 0) || heartbeat >= visibilityTimeoutSec * 1000)) {
    fail('heartbeatIntervalMs must be positive and shorter than the visibility timeout');
  }
  const max = options.maxReceiveCount;
  if (max !== undefined && (!Number.isInteger(max) || max < 1))
    fail('maxReceiveCount must be a positive integer');
  if (!(stopTimeoutMs >= 0)) fail('stopTimeoutMs must be >= 0');
  if (!(deleteBatchWindowMs >= 0)) fail('deleteBatchWindowMs must be >= 0');
  const backoff: BackoffOptions = options.backoff ?? {};
  return {
    concurrency,
    prefetch,
    waitTimeSeconds,
    visibilityTimeoutSec,
    heartbeatMs: heartbeat,
    stopTimeoutMs,
    deleteBatchWindowMs,
    backoff,
  };
}

/**
 * A queue consumer with an inbox: each message runs its handler in a database transaction that also
 * records the message id, so a redelivered message has no second effect. See the README's
 * "Consumer" section for the whole behaviour (retries, dead letters, heartbeats, shutdown).
 */
export function createConsumer<M extends ConsumableMessage, DB>(options: ConsumerOptions<M, DB>): Consumer {
  const config = validate(options);
  const { db, sqs, queueUrl, dlqUrl, parse, onEvent } = options;
  const deduplicationKey = options.deduplicationKey ?? ((message: M) => message.id);
  const handlers = options.handlers as Record<string, MessageHandler<M, DB> | undefined>;
  const queue = queueNameOf(queueUrl);
  const logger = withMeta(options.logger ?? console, { queue });
  const metrics = consumerMetrics(options.metrics, queue);
  const acks = new AckBuffer({
    sqs,
    queueUrl,
    windowMs: config.deleteBatchWindowMs,
    onError: (err, failed) =>
      logger.warn('deleting handled messages failed; they will be delivered again and skipped', {
        err,
        count: failed,
      }),
  });

  let maxReceiveCount = options.maxReceiveCount;
  let redrivePolicyRead = maxReceiveCount !== undefined;
  let started = false;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  /** Aborts the long poll (at the stop deadline). */
  let pollAbort = new AbortController();
  /** Aborted when stop() starts: ends pauses between failed receives. */
  let stopAbort = new AbortController();
  let loopDone: Promise<void> = Promise.resolve();
  /** Received and not past their handler: at most `concurrency + prefetch`. */
  let held = 0;
  /** Running a handler: at most `concurrency`. */
  let running = 0;
  const slotQueue: Array<{ flight: Flight; resume: (acquired: boolean) => void }> = [];
  let wakeLoop: (() => void) | undefined;
  const flights = new Map<Flight, Promise<void>>();

  function emit(event: ConsumerEvent): void {
    if (onEvent === undefined) return;
    try {
      onEvent(event);
    } catch (err) {
      logger.error('onEvent listener threw', { err });
    }
  }

  /** Waits for one of the `concurrency` handler slots; false when stop() released the message first. */
  function acquireSlot(flight: Flight): Promise<boolean> {
    if (running < config.concurrency) {
      running++;
      flight.running = true;
      return Promise.resolve(true);
    }
    return new Promise((resume) => {
      slotQueue.push({ flight, resume });
    });
  }

  function freeSlot(flight: Flight): void {
    if (flight.slotFreed) return;
    flight.slotFreed = true;
    held--;
    if (flight.running) {
      flight.running = false;
      const next = slotQueue.shift();
      if (next === undefined) running--;
      else {
        next.flight.running = true;
        next.resume(true);
      }
    }
    wakeLoop?.();
  }

  /**
   * Waits until a receive can ask for a full batch: `min(10, prefetch + 1)` free places, so that
   * with a prefetch of 9 or more the consumer receives 10 at a time while its handler slots stay
   * busy with what was prefetched, and with no prefetch it receives as soon as one slot is free.
   */
  async function waitForCapacity(): Promise<void> {
    const capacity = config.concurrency + config.prefetch;
    const batch = Math.min(SQS_BATCH_LIMIT, config.prefetch + 1, capacity);
    while (capacity - held < batch && !stopping) {
      await new Promise<void>((resolve) => {
        wakeLoop = resolve;
      });
      wakeLoop = undefined;
    }
  }

  async function readRedrivePolicy(): Promise<void> {
    try {
      const out = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
        { abortSignal: stopAbort.signal },
      );
      redrivePolicyRead = true;
      const policy = out.Attributes?.RedrivePolicy;
      if (policy === undefined) {
        logger.warn('queue has no redrive policy: failing messages are retried forever');
        return;
      }
      const parsed = Number((JSON.parse(policy) as { maxReceiveCount?: unknown }).maxReceiveCount);
      if (Number.isInteger(parsed) && parsed > 0) maxReceiveCount = parsed;
    } catch (err) {
      if (!stopping) logger.warn('reading the redrive policy failed; will try again', { err });
    }
  }

  function startHeartbeat(flight: Flight): Heartbeat | undefined {
    if (config.heartbeatMs === false) return undefined;
    let sending: Promise<void> | undefined;
    const timer = setInterval(() => {
      if (sending !== undefined || flight.abandoned) return;
      sending = sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: flight.receiptHandle,
            VisibilityTimeout: config.visibilityTimeoutSec,
          }),
        )
        .then(
          (): void =>
            emit({
              kind: 'heartbeat',
              id: flight.id ?? '',
              type: flight.type ?? '',
              sqsMessageId: flight.sqsMessageId,
              receiveCount: flight.receiveCount,
              visibilityTimeoutSec: config.visibilityTimeoutSec,
            }),
          (err: unknown): void => {
            logger.warn('extending the visibility of a running handler failed', {
              err,
              message_id: flight.id,
              sqs_message_id: flight.sqsMessageId,
            });
          },
        )
        .finally(() => {
          sending = undefined;
        });
    }, config.heartbeatMs);
    return {
      async stop() {
        clearInterval(timer);
        await sending;
      },
    };
  }

  async function changeVisibility(flight: Flight, seconds: number): Promise<boolean> {
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: flight.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
      return true;
    } catch (err) {
      logger.warn('changing the visibility of a failed message failed; its visibility timeout applies', {
        err,
        message_id: flight.id,
        sqs_message_id: flight.sqsMessageId,
      });
      return false;
    }
  }

  /** The `type` label: only types with a handler, so that garbage cannot grow the series without bound. */
  function typeLabel(type: string | undefined): string {
    return type !== undefined && Object.hasOwn(handlers, type) ? type : 'unknown';
  }

  async function deadLetter(flight: Flight, reason: DeadLetterReason, detail: string): Promise<void> {
    await flight.heartbeat?.stop();
    const type = typeLabel(flight.type);
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: flight.raw.Body ?? '',
          MessageAttributes: deadLetterAttributes(flight.raw, {
            reason,
            detail,
            sourceQueueUrl: queueUrl,
            receiveCount: flight.receiveCount,
            at: new Date(),
          }),
        }),
      );
    } catch (err) {
      const retryInSec = backoffDelaySec(flight.receiveCount, config.backoff);
      logger.error('sending a message to the dead-letter queue failed; it stays on the queue', {
        err: new ConsumerError('dead_letter_failed', `Could not send to ${dlqUrl}.`, { cause: err }),
        reason,
        detail,
        message_id: flight.id,
        sqs_message_id: flight.sqsMessageId,
        retry_in_sec: retryInSec,
      });
      await changeVisibility(flight, retryInSec);
      return;
    }
    logger.warn('message dead-lettered', {
      reason,
      detail,
      message_id: flight.id,
      type: flight.type,
      sqs_message_id: flight.sqsMessageId,
      receive_count: flight.receiveCount,
    });
    metrics.deadLettered(type, reason);
    metrics.consumed(type, 'dead_lettered');
    freeSlot(flight);
    await acks.delete(flight.receiptHandle);
    emit({
      kind: 'dead_lettered',
      id: flight.id,
      type: flight.type,
      sqsMessageId: flight.sqsMessageId,
      receiveCount: flight.receiveCount,
      reason,
      detail,
    });
  }

  /** Runs the handler in a transaction with the inbox row; false when the id was already there. */
  function runHandler(
    flight: Flight,
    message: M,
    key: string,
    handler: MessageHandler<M, DB>,
  ): Promise<boolean> {
    const attributes = {
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'process',
      'messaging.destination.name': queue,
      'messaging.message.id': flight.sqsMessageId,
      'cloudevents.event_id': message.id,
      'cloudevents.event_type': message.type,
    };
    const traceparent = message.traceparent ?? flight.raw.MessageAttributes?.traceparent?.StringValue;
    const parent = extractTraceContext(traceparent);
    return tracer.startActiveSpan(
      `${message.type} process`,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
      async (span) => {
        const log = withMeta(logger, {
          message_id: message.id,
          type: message.type,
          receive_count: flight.receiveCount,
        });
        const afterCommit: Array<() => void | Promise<void>> = [];
        const abandoned = () =>
          new ConsumerError(
            'handler_abandoned',
            `stop() released message ${message.id} before its handler finished; rolled back.`,
          );
        try {
          const fresh = await db.transaction().execute(async (trx) => {
            if (flight.abandoned) throw abandoned();
            const isNew = await recordInInbox(trx, {
              id: key,
              type: message.type,
              receivedAt: flight.receivedAt,
            });
            if (!isNew) return false;
            const context: HandlerContext<DB> = {
              trx,
              log,
              receiveCount: flight.receiveCount,
              sqsMessageId: flight.sqsMessageId,
              signal: flight.abort.signal,
              afterCommit: (fn) => {
                afterCommit.push(fn);
              },
            };
            await handler(message, context);
            if (flight.abandoned) throw abandoned();
            return true;
          });
          span.setAttribute('messaging.authplatform.duplicate', !fresh);
          for (const fn of afterCommit) {
            try {
              await fn();
            } catch (err) {
              log.error('afterCommit callback failed', { err });
            }
          }
          return fresh;
        } catch (err) {
          span.recordException(err instanceof Error ? err : new Error(String(err)));
          span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(err) });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  async function handle(flight: Flight): Promise<void> {
    // A prefetched message waits here for a handler slot (its heartbeat already runs).
    if (!(await acquireSlot(flight))) return;
    let parsed: ParseResult<M>;
    try {
      parsed = parse(flight.raw.Body ?? '');
    } catch (err) {
      parsed = { ok: false, reason: `parse threw ${describeError(err)}` };
    }
    if (!parsed.ok) {
      // For the logs and the outcome only: the id and type the body claims, if it is JSON at all.
      Object.assign(flight, peekIdentity(flight.raw.Body ?? ''));
      return deadLetter(flight, 'invalid_message', parsed.reason);
    }
    const message = parsed.value;
    flight.id = message.id;
    flight.type = message.type;
    const handler = Object.hasOwn(handlers, message.type) ? handlers[message.type] : undefined;
    if (typeof handler !== 'function') {
      return deadLetter(flight, 'unknown_type', `no handler for type ${message.type} on ${queue}`);
    }
    let key: unknown;
    try {
      key = deduplicationKey(message);
    } catch (err) {
      key = undefined;
      logger.warn('deduplicationKey threw', { err, message_id: message.id });
    }
    if (typeof key !== 'string' || key === '') {
      return deadLetter(flight, 'invalid_message', `message ${message.id} has no deduplication key`);
    }

    const started = performance.now();
    let fresh = false;
    let failed = false;
    let error: unknown;
    try {
      fresh = await runHandler(flight, message, key, handler);
    } catch (err) {
      failed = true;
      error = err;
    }
    await flight.heartbeat?.stop();
    // stop() released this delivery (and rolled the transaction back): the next delivery handles it.
    if (flight.abandoned) return;
    const durationMs = performance.now() - started;
    const base = { id: message.id, type: message.type, sqsMessageId: flight.sqsMessageId };
    const receiveCount = flight.receiveCount;

    if (!failed) {
      const result = fresh ? 'handled' : 'duplicate';
      metrics.handlerDuration(message.type, result, durationMs / 1000);
      metrics.consumed(message.type, result);
      freeSlot(flight);
      const deleted = await acks.delete(flight.receiptHandle);
      if (fresh) emit({ kind: 'handled', ...base, receiveCount, durationMs, deleted });
      else emit({ kind: 'duplicate', ...base, receiveCount, deleted });
      return;
    }

    metrics.handlerDuration(message.type, 'failed', durationMs / 1000);
    const detail = describeError(error);
    if (maxReceiveCount !== undefined && receiveCount >= maxReceiveCount) {
      return deadLetter(flight, 'retries_exhausted', `after ${receiveCount} deliveries: ${detail}`);
    }
    const retryInSec = backoffDelaySec(receiveCount, config.backoff);
    logger.warn('handler failed; the message will be delivered again', {
      err: error,
      message_id: message.id,
      type: message.type,
      receive_count: receiveCount,
      retry_in_sec: retryInSec,
    });
    metrics.consumed(message.type, 'failed');
    metrics.retried(message.type);
    freeSlot(flight);
    await changeVisibility(flight, retryInSec);
    emit({ kind: 'failed', ...base, receiveCount, error, retryInSec });
  }

  function launch(raw: Message): void {
    if (raw.ReceiptHandle === undefined) return;
    const flight: Flight = {
      raw,
      sqsMessageId: raw.MessageId ?? '',
      receiptHandle: raw.ReceiptHandle,
      receiveCount: receiveCountOf(raw),
      receivedAt: new Date(),
      abort: new AbortController(),
      id: undefined,
      type: undefined,
      abandoned: false,
      running: false,
      slotFreed: false,
      heartbeat: undefined,
    };
    flight.heartbeat = startHeartbeat(flight);
    held++;
    const done = handle(flight)
      .catch((err: unknown) => {
        logger.error('unexpected consumer failure; the message will be delivered again', {
          err,
          sqs_message_id: flight.sqsMessageId,
        });
      })
      .finally(() => {
        void flight.heartbeat?.stop();
        freeSlot(flight);
        flights.delete(flight);
      });
    flights.set(flight, done);
  }

  /** Makes messages visible again at once (visibility 0), 10 per call. */
  async function release(messages: Array<{ raw: Message; flight?: Flight }>): Promise<void> {
    for (let i = 0; i < messages.length; i += SQS_BATCH_LIMIT) {
      const chunk = messages.slice(i, i + SQS_BATCH_LIMIT);
      try {
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map(({ raw }, n) => ({
              Id: String(n),
              ReceiptHandle: raw.ReceiptHandle ?? '',
              VisibilityTimeout: 0,
            })),
          }),
        );
      } catch (err) {
        logger.warn('releasing messages failed; they come back when their visibility timeout ends', {
          err,
          count: chunk.length,
        });
      }
      for (const { raw, flight } of chunk) {
        metrics.consumed(typeLabel(flight?.type), 'released');
        emit({
          kind: 'released',
          id: flight?.id,
          type: flight?.type,
          sqsMessageId: raw.MessageId ?? '',
          receiveCount: receiveCountOf(raw),
        });
      }
    }
  }

  async function loop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!stopping) {
      await waitForCapacity();
      if (stopping) break;
      if (!redrivePolicyRead) await readRedrivePolicy();
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(SQS_BATCH_LIMIT, config.concurrency + config.prefetch - held),
            WaitTimeSeconds: config.waitTimeSeconds,
            VisibilityTimeout: config.visibilityTimeoutSec,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        );
        messages = out.Messages ?? [];
        failures = 0;
      } catch (err) {
        if (stopping) break;
        failures++;
        const waitMs = Math.min(RECEIVE_RETRY_MS.max, RECEIVE_RETRY_MS.base * 2 ** Math.min(failures, 16));
        logger.error('receiving messages failed; retrying', { err, retry_in_ms: waitMs });
        emit({ kind: 'receive_error', error: err });
        await delay(waitMs, undefined, { signal: stopAbort.signal }).catch(() => undefined);
        continue;
      }
      if (stopping) {
        // The receive answered after stop() was called: hand the messages back untouched.
        await release(messages.map((raw) => ({ raw })));
        break;
      }
      for (const raw of messages) launch(raw);
    }
  }

  /**
   * Stopping: receive no more, hand back prefetched messages at once, wait (up to `timeoutMs`) for
   * running handlers and for the long poll under way, then release what is still running and only
   * then abort the poll. The poll is not aborted early on purpose: SQS (and fauxqs) may still hand
   * messages to a receive whose connection was closed, and those would stay invisible for a whole
   * visibility timeout; a poll that completes while stopping has its messages released at once.
   */
  async function shutdown(timeoutMs: number): Promise<void> {
    stopping = true;
    stopAbort.abort();
    wakeLoop?.();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });

    // Prefetched messages whose handler has not started go back at once.
    const waiting = slotQueue.splice(0);
    for (const { flight, resume } of waiting) {
      flight.abandoned = true;
      resume(false);
    }
    if (waiting.length > 0) {
      await Promise.all(waiting.map(({ flight }) => flight.heartbeat?.stop()));
      await release(waiting.map(({ flight }) => ({ raw: flight.raw, flight })));
    }

    const settled = Promise.all([loopDone, ...flights.values()]).then(() => 'done' as const);
    const outcome = await Promise.race([settled, deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const stuck = [...flights.keys()].filter((f) => !f.abandoned);
      for (const flight of stuck) {
        flight.abandoned = true;
        flight.abort.abort(
          new ConsumerError('handler_abandoned', `stop() stopped waiting after ${timeoutMs} ms.`),
        );
      }
      if (stuck.length > 0) {
        await Promise.all(stuck.map((f) => f.heartbeat?.stop()));
        logger.warn('stop: handlers still running were abandoned and their messages released', {
          count: stuck.length,
          timeout_ms: timeoutMs,
          message_ids: stuck.map((f) => f.id ?? f.sqsMessageId),
        });
        // Released while our own poll may still be open: if it receives them, it hands them back.
        await release(stuck.map((flight) => ({ raw: flight.raw, flight })));
      }
      pollAbort.abort();
      await loopDone;
    }
    await acks.flush();
    started = false;
    logger.info('consumer stopped', { abandoned_still_running: flights.size });
  }

  let loopFailed = false;
  return {
    start() {
      if (stopped !== undefined) {
        throw new ConsumerError('consumer_stopping', 'start() was called while stop() is still running.');
      }
      if (started) return;
      started = true;
      stopping = false;
      pollAbort = new AbortController();
      stopAbort = new AbortController();
      loopFailed = false;
      loopDone = loop(pollAbort.signal).catch((err: unknown) => {
        // Readiness must see it: a consumer whose loop died is not running, whatever start() said.
        loopFailed = true;
        logger.error('consumer loop failed', { err });
      });
      logger.info('consumer started', {
        concurrency: config.concurrency,
        visibility_timeout_sec: config.visibilityTimeoutSec,
        max_receive_count: maxReceiveCount,
      });
    },
    stop(stopOptions: StopOptions = {}) {
      if (stopped !== undefined) return stopped;
      if (!started) return Promise.resolve();
      stopped = shutdown(stopOptions.timeoutMs ?? config.stopTimeoutMs).finally(() => {
        stopped = undefined;
      });
      return stopped;
    },
    get running() {
      return started && !stopping && !loopFailed;
    },
    get inFlight() {
      return flights.size;
    },
  };
}
