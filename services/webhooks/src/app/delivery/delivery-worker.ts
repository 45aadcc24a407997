/**
 * The delivery worker: claims due messages (`FOR UPDATE SKIP LOCKED` plus a lease, so instances share
 * the work and none sends a message twice at once), sends each signed attempt, and records the outcome
 * with the next attempt or the final state. Bounded concurrency overall and per endpoint, and only
 * endpoints with a free slot are claimed for, so a slow endpoint never delays the others.
 */
import { createEvent, uuidv7 } from '@authplatform/contracts';
import { enqueueEvent } from '@authplatform/messaging';
import { type Kysely, sql } from 'kysely';
import { classifyStatus } from '../../domain/delivery/outcome.ts';
import { nextAttempt, parseRetryAfter } from '../../domain/delivery/retry-schedule.ts';
import { signDelivery } from '../../domain/delivery/signature.ts';
import type { SecretBox } from '../../domain/endpoints/secret-box.ts';
import type { WebhooksDatabase } from '../../store/webhooks/schema.ts';
import { type SendOptions, type SendResult, sendRequest } from './send-request.ts';

export interface DeliveryLogger {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

export interface DeliveryWorkerOptions {
  db: Kysely<WebhooksDatabase>;
  secrets: SecretBox;
  logger: DeliveryLogger;
  allowPrivateTargets: boolean;
  timeoutMs: number;
  maxConcurrency: number;
  endpointConcurrency: number;
  schedule?: readonly number[] | undefined;
  /** Between polls for due retries and other instances' work. */
  pollIntervalMs?: number;
  userAgent?: string;
  resolve?: SendOptions['resolve'];
}

export interface DeliveryWorker {
  start(): void;
  /** Look for due messages now (after a commit that created some). */
  wake(): void;
  stop(): Promise<void>;
  /** Attempts in flight. */
  readonly inFlight: number;
}

interface Claimed {
  id: string;
  lease_token: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  body: string | null;
  attempts: number;
  url: string;
  owner_id: string | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
}

/** Text Postgres can store: a receiver's answer may hold NUL bytes (refused by `text`). */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { db, secrets, logger } = options;
  const leaseMs = options.timeoutMs + 30_000;
  const pollMs = options.pollIntervalMs ?? 500;
  const perEndpoint = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;
  let again = false;

  const saturated = () =>
    [...perEndpoint.entries()].filter(([, n]) => n >= options.endpointConcurrency).map(([id]) => id);

  async function claim(limit: number): Promise<Claimed[]> {
    const busy = saturated();
    const rows = await sql<Claimed>`
      with candidates as (
        select id from (
          select m.id, m.next_attempt_at,
                 row_number() over (partition by m.endpoint_id order by m.next_attempt_at) as n
          from webhook_messages m
          join webhook_endpoints e on e.id = m.endpoint_id
          where m.status = 'pending' and e.enabled
            and m.next_attempt_at <= now()
            and (m.lease_until is null or m.lease_until < now())
            ${busy.length === 0 ? sql`` : sql`and m.endpoint_id <> all(${busy}::uuid[])`}
        ) ranked
        where n <= ${options.endpointConcurrency}
        order by next_attempt_at
        limit ${limit * 4}
      ), locked as (
        select m.id from webhook_messages m
        where m.id in (select id from candidates)
          and m.status = 'pending' and (m.lease_until is null or m.lease_until < now())
        order by m.next_attempt_at
        limit ${limit}
        for update of m skip locked
      )
      update webhook_messages m
      set lease_until = now() + ${`${leaseMs} milliseconds`}::interval, lease_token = gen_random_uuid()
      from locked, webhook_endpoints e
      where m.id = locked.id and e.id = m.endpoint_id
      returning m.id, m.lease_token, m.endpoint_id, m.event_id, m.event_type, m.body, m.attempts,
                e.url, e.owner_id, e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at`.execute(
      db,
    );
    return rows.rows;
  }

  async function record(message: Claimed, result: SendResult, attemptedAt: Date): Promise<void> {
    const attempts = message.attempts + 1;
    const outcome =
      result.kind === 'answered'
        ? classifyStatus(result.status)
        : ({ kind: 'retry', throttled: false } as const);
    await db.transaction().execute(async (trx) => {
      // Only the holder of the lease records the outcome: a message whose lease expired (or that was
      // claimed again) is someone else's now, and its attempt counter must not be overwritten.
      const held = await trx
        .selectFrom('webhook_messages')
        .select('id')
        .where('id', '=', message.id)
        .where('lease_token', '=', message.lease_token)
        .forUpdate()
        .executeTakeFirst();
      if (held === undefined) {
        logger.warn('webhook attempt finished after its lease was taken over; outcome not recorded', {
          message_id: message.id,
        });
        return;
      }
      await trx
        .insertInto('webhook_attempts')
        .values({
          id: uuidv7(),
          message_id: message.id,
          attempted_at: attemptedAt,
          status_code: result.kind === 'answered' ? result.status : null,
          latency_ms: result.latencyMs,
          response_excerpt: result.kind === 'answered' ? storable(result.excerpt) : null,
          error:
            result.kind === 'answered' ? null : storable(`${result.kind}: ${result.reason}`).slice(0, 1000),
        })
        .execute();
      const lastStatus = result.kind === 'answered' ? result.status : null;
      const urlHost = new URL(message.url).host;
      /** The message's final state: no further attempt, the lease released. */
      const finish = (status: 'delivered' | 'failed') =>
        trx
          .updateTable('webhook_messages')
          .set({
            status,
            attempts,
            last_status: lastStatus,
            next_attempt_at: null,
            lease_until: null,
            lease_token: null,
            updated_at: new Date(),
          })
          .where('id', '=', message.id)
          .execute();
      if (outcome.kind === 'delivered') {
        await finish('delivered');
        return;
      }
      if (outcome.kind === 'gone') {
        await finish('failed');
        const disabled = await trx
          .updateTable('webhook_endpoints')
          .set({ enabled: false, disabled_reason: 'gone', updated_at: new Date() })
          .where('id', '=', message.endpoint_id)
          .where('enabled', '=', true)
          .executeTakeFirst();
        if (disabled.numUpdatedRows > 0n) {
          await enqueueEvent(
            trx,
            createEvent('webhooks.endpoint.disabled', {
              endpoint_id: message.endpoint_id,
              url_host: urlHost,
              ...(message.owner_id === null ? {} : { owner_id: message.owner_id }),
              reason: 'gone',
              actor: { type: 'system' },
            }),
          );
        }
        return;
      }
      const retryAfterSec =
        result.kind === 'answered' && outcome.throttled ? parseRetryAfter(result.retryAfter) : undefined;
      const next = nextAttempt(attempts, options.schedule, { retryAfterSec });
      if (next.retry) {
        await trx
          .updateTable('webhook_messages')
          .set({
            attempts,
            last_status: lastStatus,
            next_attempt_at: new Date(Date.now() + next.delayMs),
            lease_until: null,
            lease_token: null,
            updated_at: new Date(),
          })
          .where('id', '=', message.id)
          .execute();
        return;
      }
      await finish('failed');
      await enqueueEvent(
        trx,
        createEvent('webhooks.delivery.exhausted', {
          endpoint_id: message.endpoint_id,
          url_host: urlHost,
          ...(message.owner_id === null ? {} : { owner_id: message.owner_id }),
          event_id: message.event_id,
          event_type: message.event_type,
          attempts,
          ...(lastStatus === null ? {} : { last_status: lastStatus }),
        }),
      );
    });
  }

  async function deliver(message: Claimed): Promise<void> {
    const attemptedAt = new Date();
    let result: SendResult;
    if (message.body === null) {
      result = { kind: 'error', reason: 'the message body is no longer kept (retention)', latencyMs: 0 };
    } else {
      let signing: string[];
      try {
        signing = [secrets.open(message.secret_sealed, message.endpoint_id)];
        if (
          message.previous_secret_sealed !== null &&
          message.previous_secret_expires_at !== null &&
          message.previous_secret_expires_at > attemptedAt
        ) {
          signing.push(secrets.open(message.previous_secret_sealed, message.endpoint_id));
        }
      } catch {
        // A secret that cannot be opened (e.g. WEBHOOKS_SECRET_ENCRYPTION_KEY changed): an attempt that
        // failed, retried on the schedule and then exhausted like any other, never an endless loop.
        await record(
          message,
          { kind: 'error', reason: 'the signing secret cannot be decrypted', latencyMs: 0 },
          attemptedAt,
        );
        return;
      }
      const headers = {
        ...signDelivery(signing, message.event_id, attemptedAt, message.body),
        'content-type': 'application/json',
        'user-agent': options.userAgent ?? 'authplatform-webhooks/0.1',
      };
      result = await sendRequest(message.url, headers, message.body, {
        allowPrivate: options.allowPrivateTargets,
        timeoutMs: options.timeoutMs,
        ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
      });
    }
    await record(message, result, attemptedAt);
  }

  function launch(message: Claimed): void {
    perEndpoint.set(message.endpoint_id, (perEndpoint.get(message.endpoint_id) ?? 0) + 1);
    const task = deliver(message)
      .catch((error: unknown) => {
        // The lease expires and the message is claimed again: nothing is lost.
        logger.error('webhook delivery could not be recorded', {
          message_id: message.id,
          error: String(error),
        });
      })
      .finally(() => {
        const n = (perEndpoint.get(message.endpoint_id) ?? 1) - 1;
        if (n <= 0) perEndpoint.delete(message.endpoint_id);
        else perEndpoint.set(message.endpoint_id, n);
        running.delete(task);
        if (!stopped) wake();
      });
    running.add(task);
  }

  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        const free = options.maxConcurrency - running.size;
        if (free <= 0 || stopped) break;
        const claimed = await claim(free);
        for (const message of claimed) launch(message);
        if (claimed.length === free) again = true;
      } while (again && !stopped);
    } catch (error) {
      logger.warn('webhook delivery poll failed; retrying', { error: String(error) });
    } finally {
      pumping = false;
    }
  }

  function wake(): void {
    if (!stopped) void pump();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(wake, pollMs);
      timer.unref();
      wake();
    },
    wake,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
    get inFlight() {
      return running.size;
    },
  };
}
