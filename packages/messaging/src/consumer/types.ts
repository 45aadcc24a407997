import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Kysely, Transaction } from 'kysely';
import type { Registry } from 'prom-client';
import type { BackoffOptions } from './backoff.ts';
import type { ConsumableMessage, ParseResult } from './contracts.ts';
import type { DeadLetterReason } from './metrics.ts';

/** The logger surface the consumer needs; a winston logger (`createLogger`) and `console` fit. */
export interface ConsumerLogger {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

/** What a handler gets besides the message. */
export interface HandlerContext<DB> {
  /**
   * The transaction the message's inbox row is written in: write every effect through it, so the
   * effects and the "handled" mark commit together or not at all.
   */
  trx: Transaction<DB>;
  /** The consumer's logger with `queue`, `message_id`, `type` and `receive_count` on every line. */
  log: ConsumerLogger;
  /** SQS `ApproximateReceiveCount`: 1 on the first delivery. */
  receiveCount: number;
  /** The SQS message id of this delivery (not the event id). */
  sqsMessageId: string;
  /**
   * Aborted when `stop()` stops waiting for this handler; its transaction is then rolled back
   * whatever the handler does, so a long handler may as well give up.
   */
  signal: AbortSignal;
  /**
   * Runs `fn` after the transaction committed (not on rollback, not for a duplicate), e.g. to wake
   * something in-process. Errors are logged; the message stays handled.
   */
  afterCommit(fn: () => void | Promise<void>): void;
}

export type MessageHandler<M, DB> = (message: M, context: HandlerContext<DB>) => Promise<void>;

/** One handler per message type; a type without a handler is dead-lettered as `unknown_type`. */
export type HandlerMap<M extends ConsumableMessage, DB> = {
  [K in M['type']]?: MessageHandler<Extract<M, { type: K }>, DB>;
};

/** What happened to a delivery, for tests (`createConsumerSpy`) and instrumentation. */
export type ConsumerEvent =
  | {
      /** The handler's transaction committed. `deleted`: the delete from the queue succeeded. */
      kind: 'handled';
      id: string;
      type: string;
      sqsMessageId: string;
      receiveCount: number;
      durationMs: number;
      deleted: boolean;
    }
  | {
      /** The inbox already had the id: no effect, the delivery was deleted. */
      kind: 'duplicate';
      id: string;
      type: string;
      sqsMessageId: string;
      receiveCount: number;
      deleted: boolean;
    }
  | {
      /** The handler threw; the message comes back after `retryInSec`. */
      kind: 'failed';
      id: string;
      type: string;
      sqsMessageId: string;
      receiveCount: number;
      error: unknown;
      retryInSec: number;
    }
  | {
      /** Sent to the dead-letter queue and deleted from the queue. `id`/`type` are unknown for unparsable bodies. */
      kind: 'dead_lettered';
      id: string | undefined;
      type: string | undefined;
      sqsMessageId: string;
      receiveCount: number;
      reason: DeadLetterReason;
      detail: string;
    }
  | {
      /** `stop()` gave up waiting and made the message visible again. */
      kind: 'released';
      id: string | undefined;
      type: string | undefined;
      sqsMessageId: string;
      receiveCount: number;
    }
  | {
      /** The visibility of a running handler's message was extended. */
      kind: 'heartbeat';
      id: string;
      type: string;
      sqsMessageId: string;
      receiveCount: number;
      visibilityTimeoutSec: number;
    }
  | { kind: 'receive_error'; error: unknown };

export type ConsumerEventKind = ConsumerEvent['kind'];

export interface ConsumerOptions<M extends ConsumableMessage, DB> {
  /** The service database; it must have the inbox table (`inboxMigrations`). */
  db: Kysely<DB>;
  sqs: SQSClient;
  queueUrl: string;
  /** Where invalid, unknown and exhausted messages are sent (the queue's redrive target). */
  dlqUrl: string;
  /** Validates a body: `(body) => parseEvent(body)` or `(body) => parseCommand(body)`. */
  parse: (body: string) => ParseResult<M>;
  handlers: HandlerMap<M, DB>;
  /**
   * The inbox key of a message. Default its `id` (events: the CloudEvents id). For commands, pass
   * `(command) => command.idempotency_key` so that two commands a sender sent with one key (a retried
   * request) have one effect, whatever their ids.
   */
  deduplicationKey?: (message: M) => string;
  /** Default `console`. */
  logger?: ConsumerLogger;
  /** Registry to register the consumer's metrics on (see `consumerMetrics`). */
  metrics?: Registry;
  /** Messages handled at the same time. Default 10. */
  concurrency?: number;
  /**
   * Messages received ahead of a free handler slot, so that each receive can ask for a full batch
   * of 10 instead of one message per freed slot. They wait in memory with their heartbeat running;
   * `stop()` releases them at once. Default 10; 0 receives only for free slots.
   */
  prefetch?: number;
  /** Long-polling wait of each receive, 1–20 s. Default 20. */
  waitTimeSeconds?: number;
  /** Visibility timeout asked for on each receive, and restored by each heartbeat. Default 30 s. */
  visibilityTimeoutSec?: number;
  /**
   * While a handler runs, its message's visibility is extended every this many ms (to
   * `visibilityTimeoutSec` from then), so a slow handler keeps its message. Default a third of
   * the visibility timeout; `false` turns heartbeats off.
   */
  heartbeatIntervalMs?: number | false;
  /** Delay before a failed message is delivered again. Default base 1 s, cap 300 s, jitter. */
  backoff?: BackoffOptions;
  /**
   * The queue's `maxReceiveCount`. When the handler fails on that delivery, the consumer sends the
   * message to the DLQ itself, with the error as reason, instead of waiting one more backoff for SQS
   * to move it. Default: read from the queue's `RedrivePolicy` (if that fails, SQS's redrive alone
   * moves the message, without a reason).
   */
  maxReceiveCount?: number;
  /** How long `stop()` waits for running handlers before releasing their messages. Default 5,000 ms. */
  stopTimeoutMs?: number;
  /** Deletes wait this long to share a `DeleteMessageBatch` call. Default 10 ms. */
  deleteBatchWindowMs?: number;
  /** Told about every outcome (after the commit and the delete); must not throw. */
  onEvent?: (event: ConsumerEvent) => void;
}

export interface StopOptions {
  /** Overrides `stopTimeoutMs` for this call. */
  timeoutMs?: number;
}

export interface Consumer {
  /** Starts long-polling. Calling it while running does nothing. */
  start(): void;
  /**
   * Stops receiving and hands prefetched messages back at once; waits, up to the stop timeout, for
   * running handlers and for the long poll under way (whatever it brings is handed back at once);
   * then releases the messages of handlers still running (visibility 0; their transactions roll
   * back when they return) and aborts the poll. Pending deletes are sent. Safe to call twice;
   * `start()` works again afterwards.
   */
  stop(options?: StopOptions): Promise<void>;
  /** True between `start()` and `stop()`. */
  readonly running: boolean;
  /** Messages received and not yet finished. */
  readonly inFlight: number;
}
