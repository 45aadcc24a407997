/**
 * Queries of messages, attempts, suppressions and the dev outbox. Every function takes the kysely
 * database or the caller's transaction, so a use case composes them in one transaction.
 */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Channel, MessageStatus } from '../../domain/delivery/status.ts';
import type { MessagesDatabase, MessagesTable, SuppressionReason, SuppressionsTable } from './schema.ts';

export type Db = Kysely<MessagesDatabase> | Transaction<MessagesDatabase>;
export type MessageRow = Selectable<MessagesTable>;
export type SuppressionRow = Selectable<SuppressionsTable>;

/** Any kysely handle of the service's database, typed for these tables. */
// biome-ignore lint/suspicious/noExplicitAny: callers hold handles typed for their own tables; only these tables are touched.
export function messagesDb(db: Kysely<any> | Transaction<any>): Db {
  return db as Db;
}

export interface NewMessage {
  id: string;
  source_id: string;
  channel: Channel;
  recipient: string;
  user_id: string | null;
  template_key: string;
  locale: string;
  timezone: string | null;
  category: string;
  status: MessageStatus;
  failure_code: string | null;
  failure_reason: string | null;
  data_ciphertext: Uint8Array | null;
  failed_at: Date | null;
}

/** Inserts the message unless one exists for (source, channel, recipient); true when inserted. */
export async function insertMessage(db: Db, message: NewMessage): Promise<boolean> {
  const inserted = await db
    .insertInto('messages')
    .values(message)
    .onConflict((oc) => oc.columns(['source_id', 'channel', 'recipient']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findBySource(
  db: Db,
  key: { sourceId: string; channel: Channel; recipient: string },
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('source_id', '=', key.sourceId)
    .where('channel', '=', key.channel)
    .where('recipient', '=', key.recipient)
    .executeTakeFirst();
}

/**
 * Serializes the OTP limit checks of one recipient and one user until the transaction ends
 * (`pg_advisory_xact_lock`), so two codes queued at once cannot both see room for one.
 */
export async function lockOtpCounters(db: Db, keys: string[]): Promise<void> {
  for (const key of [...new Set(keys)].sort()) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`notifications:otp:${key}`}, 0))`.execute(db);
  }
}

/** Codes of `templateKey` accepted (not refused) since `since`, for a recipient and for a user. */
export async function countAccepted(
  db: Db,
  filter: { templateKey: string; since: Date; recipient?: string; userId?: string },
): Promise<number> {
  let query = db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('template_key', '=', filter.templateKey)
    .where('created_at', '>', filter.since)
    .where((eb) =>
      eb.or([eb('failure_code', 'is', null), eb('failure_code', 'not in', ['rate_limited', 'suppressed'])]),
    );
  if (filter.recipient !== undefined) query = query.where('recipient', '=', filter.recipient);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findSuppression(db: Db, address: string): Promise<SuppressionRow | undefined> {
  return db.selectFrom('suppressions').selectAll().where('address', '=', address).executeTakeFirst();
}

export async function addSuppression(
  db: Db,
  entry: {
    address: string;
    channel: Channel;
    reason: SuppressionReason;
    provider: string;
    messageId: string | null;
    detail: string | null;
  },
): Promise<boolean> {
  const inserted = await db
    .insertInto('suppressions')
    .values({
      address: entry.address,
      channel: entry.channel,
      reason: entry.reason,
      provider: entry.provider,
      message_id: entry.messageId,
      detail: entry.detail,
    })
    .onConflict((oc) => oc.column('address').doNothing())
    .returning('address')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function deleteSuppression(db: Db, address: string): Promise<boolean> {
  const result = await db.deleteFrom('suppressions').where('address', '=', address).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listSuppressions(
  db: Db,
  page: { after?: string | undefined; limit: number; channel?: Channel | undefined },
): Promise<SuppressionRow[]> {
  let query = db.selectFrom('suppressions').selectAll().orderBy('address').limit(page.limit);
  if (page.after !== undefined) query = query.where('address', '>', page.after);
  if (page.channel !== undefined) query = query.where('channel', '=', page.channel);
  return query.execute();
}

/**
 * Claims up to `limit` due messages for `leaseMs`: one statement with `FOR UPDATE SKIP LOCKED`, so
 * any number of workers (in any number of instances) share the queue and never take one message
 * twice; the lease (`next_attempt_at` moved forward) keeps it away from the others while it is sent.
 * `attempts` counts the attempt started.
 */
export async function claimDueMessages(db: Db, limit: number, leaseMs: number): Promise<MessageRow[]> {
  const result = await sql<MessageRow>`
    update messages m
       set next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}),
           attempts = m.attempts + 1,
           updated_at = now()
      from (select id from messages
             where status = 'queued' and next_attempt_at <= now()
             order by next_attempt_at, id
             limit ${limit}
             for update skip locked) due
     where m.id = due.id
    returning m.*`.execute(db);
  return result.rows;
}

export interface AttemptRecord {
  messageId: string;
  attempt: number;
  provider: string;
  outcome: 'sent' | 'transient_error' | 'permanent_error';
  providerId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  startedAt: Date;
}

export async function insertAttempt(db: Db, a: AttemptRecord): Promise<void> {
  await db
    .insertInto('message_attempts')
    .values({
      message_id: a.messageId,
      attempt: a.attempt,
      provider: a.provider,
      outcome: a.outcome,
      provider_id: a.providerId,
      error_code: a.errorCode,
      error_message: a.errorMessage,
      started_at: a.startedAt,
    })
    .onConflict((oc) => oc.columns(['message_id', 'attempt']).doNothing())
    .execute();
}

/**
 * Records the send outcome of a claimed message: only while it is still `queued` with the
 * attempt count this worker claimed (a worker whose lease ran out and whose message was claimed
 * again records nothing). Returns the updated row.
 */
export async function recordOutcome(
  db: Db,
  claim: { id: string; attempts: number },
  set:
    | { kind: 'sent'; provider: string; providerId: string }
    | { kind: 'retry'; nextAttemptAt: Date; provider: string }
    | { kind: 'failed'; provider: string | null; failureCode: string; failureReason: string },
): Promise<MessageRow | undefined> {
  const base = db
    .updateTable('messages')
    .where('id', '=', claim.id)
    .where('status', '=', 'queued')
    .where('attempts', '=', claim.attempts);
  const now = sql<Date>`now()`;
  switch (set.kind) {
    case 'sent':
      return base
        .set({
          status: 'sent',
          provider: set.provider,
          provider_id: set.providerId,
          sent_at: now,
          updated_at: now,
          data_ciphertext: null,
          failure_code: null,
          failure_reason: null,
        })
        .returningAll()
        .executeTakeFirst();
    case 'retry':
      return base
        .set({ next_attempt_at: set.nextAttemptAt, provider: set.provider, updated_at: now })
        .returningAll()
        .executeTakeFirst();
    case 'failed':
      return base
        .set({
          status: 'failed',
          provider: set.provider,
          failure_code: set.failureCode,
          failure_reason: set.failureReason.slice(0, 500),
          failed_at: now,
          updated_at: now,
          data_ciphertext: null,
        })
        .returningAll()
        .executeTakeFirst();
  }
}

/**
 * The message a provider's id names (SES message id, Twilio SID), or, as a fallback, our own id
 * (the `message_id` tag of an SES event, for a send whose provider id is not recorded yet). The
 * fallback only finds a message of `fallback.channel` whose provider is `provider` or not yet
 * set: an SES event naming the id of an SMS (or of a message another provider sent) finds nothing.
 */
export async function findByProviderId(
  db: Db,
  provider: string,
  providerId: string,
  fallback?: { messageId: string | undefined; channel: Channel },
): Promise<MessageRow | undefined> {
  const found = await db
    .selectFrom('messages')
    .selectAll()
    .where('provider', '=', provider)
    .where('provider_id', '=', providerId)
    .forUpdate()
    .executeTakeFirst();
  const fallbackId = fallback?.messageId;
  if (found !== undefined || fallback === undefined || fallbackId === undefined || !UUID.test(fallbackId))
    return found;
  return db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', fallbackId)
    .where('channel', '=', fallback.channel)
    .where((eb) => eb.or([eb('provider', '=', provider), eb('provider', 'is', null)]))
    .forUpdate()
    .executeTakeFirst();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Moves a message to a status reported by its provider, only from `from` statuses. */
export async function setStatusFromFeedback(
  db: Db,
  id: string,
  from: MessageStatus[],
  to: 'delivered' | 'bounced' | 'failed' | 'sent',
  detail: { failureCode?: string; failureReason?: string } = {},
): Promise<MessageRow | undefined> {
  if (from.length === 0) return undefined;
  const now = sql<Date>`now()`;
  const timestamps =
    to === 'delivered'
      ? { delivered_at: now }
      : to === 'bounced'
        ? { bounced_at: now }
        : to === 'failed'
          ? { failed_at: now }
          : { sent_at: sql<Date>`coalesce(sent_at, now())` };
  return db
    .updateTable('messages')
    .set({
      status: to,
      updated_at: now,
      data_ciphertext: null,
      ...timestamps,
      ...(detail.failureCode === undefined ? {} : { failure_code: detail.failureCode }),
      ...(detail.failureReason === undefined ? {} : { failure_reason: detail.failureReason.slice(0, 500) }),
    })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
}

export interface MessageFilter {
  recipient?: string | undefined;
  templateKey?: string | undefined;
  status?: MessageStatus | undefined;
  /** Ids are UUIDv7: newest first means id descending; the cursor is the last id of the page. */
  before?: string | undefined;
  limit: number;
}

export async function listMessages(db: Db, filter: MessageFilter): Promise<MessageRow[]> {
  let query = db.selectFrom('messages').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.recipient !== undefined) query = query.where('recipient', '=', filter.recipient);
  if (filter.templateKey !== undefined) query = query.where('template_key', '=', filter.templateKey);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  return query.execute();
}

export async function getMessage(db: Db, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAttempts(db: Db, messageId: string) {
  return db
    .selectFrom('message_attempts')
    .selectAll()
    .where('message_id', '=', messageId)
    .orderBy('attempt')
    .execute();
}

export async function insertDevOutbox(
  db: Db,
  entry: {
    id: string;
    messageId: string;
    channel: Channel;
    recipient: string;
    templateKey: string;
    body: string;
  },
): Promise<void> {
  await db
    .insertInto('dev_outbox')
    .values({
      id: entry.id,
      message_id: entry.messageId,
      channel: entry.channel,
      recipient: entry.recipient,
      template_key: entry.templateKey,
      body: entry.body,
    })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
}

export async function listDevOutbox(
  db: Db,
  page: { recipient?: string | undefined; before?: string | undefined; limit: number },
) {
  let query = db.selectFrom('dev_outbox').selectAll().orderBy('id', 'desc').limit(page.limit);
  if (page.recipient !== undefined) query = query.where('recipient', '=', page.recipient);
  if (page.before !== undefined) query = query.where('id', '<', page.before);
  return query.execute();
}
