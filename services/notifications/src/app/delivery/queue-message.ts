/**
 * `queueMessage(trx, input)`: the one entry point of the event and command handlers. Inside the
 * caller's transaction (the consumer's, with its inbox row) it records the message and nothing
 * else: no rendering, no provider call. The delivery worker sends it after the commit.
 *
 * - Idempotent per (sourceId, channel, recipient) by a unique index: a redelivered command or event
 *   finds its message and gets `created: false`.
 * - The suppression list is honoured: a suppressed address gets a message `failed` /
 *   `suppressed` that is never sent (and holds no template data).
 * - One-time codes (template `otp-code`) are limited per recipient and per user over a sliding hour
 *   (OTP_MAX_PER_RECIPIENT_PER_HOUR, OTP_MAX_PER_USER_PER_HOUR); the excess is recorded `failed` /
 *   `rate_limited`, never sent.
 * - The template data (which holds the link or the code) is stored only AES-256-GCM encrypted, and
 *   only until the send has an outcome (then the column is cleared).
 *
 * Refused and suppressed messages publish no event: they never reached a provider, and
 * `notifications.message.failed` requires at least one attempt.
 */
import { uuidv7 } from '@authplatform/contracts';
import type { Kysely, Transaction } from 'kysely';
import { normalizeRecipient } from '../../domain/delivery/address.ts';
import { isOtpTemplate, OTP_WINDOW_MS, otpLimitBroken } from '../../domain/delivery/otp-limit.ts';
import type { Channel } from '../../domain/delivery/status.ts';
import {
  countAccepted,
  findBySource,
  findSuppression,
  insertMessage,
  lockOtpCounters,
  messagesDb,
} from '../../store/messages/messages-store.ts';
import { currentDeliverySettings, type DeliverySettings, wakeDelivery } from './delivery-settings.ts';

export interface QueueMessageInput {
  /** The command or event id that asks for the message. */
  sourceId: string;
  channel: Channel;
  /** Email address or E.164 phone number (normalized before use). */
  recipient: string;
  userId?: string | undefined;
  templateKey: string;
  locale: string;
  timezone?: string | undefined;
  /** `security`, `account`, `operations` (preferences were applied by the caller). */
  category: string;
  /** Template data, secrets included; stored encrypted until the send has an outcome. */
  data: Record<string, unknown>;
}

export type QueueOutcome = 'accepted' | 'suppressed' | 'rate_limited';

export interface QueueMessageResult {
  messageId: string;
  /** False when the message already existed for this (sourceId, channel, recipient). */
  created: boolean;
  /** What became of it: accepted for sending (queued, or further along), or refused at once. */
  outcome: QueueOutcome;
}

export interface QueueMessageOptions {
  /** Default: the settings the delivery plugin registered at start. */
  settings?: DeliverySettings;
  /** The consumer's `afterCommit`: wakes the delivery workers once the message is visible. */
  afterCommit?: (fn: () => void | Promise<void>) => void;
}

export class InvalidMessageError extends Error {
  readonly code = 'invalid_message';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMessageError';
  }
}

const TEMPLATE_KEY = /^[a-z0-9][a-z0-9-]{0,99}$/;
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export async function queueMessage(
  // biome-ignore lint/suspicious/noExplicitAny: the caller's transaction is typed for its own tables; only the delivery tables are touched.
  trx: Transaction<any> | Kysely<any>,
  input: QueueMessageInput,
  options: QueueMessageOptions = {},
): Promise<QueueMessageResult> {
  const settings = options.settings ?? currentDeliverySettings();
  const db = messagesDb(trx);
  if (!TEMPLATE_KEY.test(input.templateKey))
    throw new InvalidMessageError('templateKey is not a template key.');
  if (!LOCALE.test(input.locale)) throw new InvalidMessageError('locale is not a BCP 47 tag.');
  if (input.sourceId.length === 0 || input.sourceId.length > 200)
    throw new InvalidMessageError('sourceId is required.');
  const recipient = normalizeRecipient(input.channel, input.recipient);
  const key = { sourceId: input.sourceId, channel: input.channel, recipient };

  const existing = await findBySource(db, key);
  if (existing !== undefined)
    return { messageId: existing.id, created: false, outcome: outcomeOf(existing.failure_code) };

  const id = uuidv7();
  let outcome: QueueOutcome = 'accepted';
  let failureReason: string | null = null;
  if ((await findSuppression(db, recipient)) !== undefined) {
    outcome = 'suppressed';
    failureReason = 'The address is on the suppression list.';
  } else if (isOtpTemplate(input.templateKey)) {
    await lockOtpCounters(db, [
      `r:${recipient}`,
      ...(input.userId === undefined ? [] : [`u:${input.userId}`]),
    ]);
    const since = new Date(Date.now() - OTP_WINDOW_MS);
    const counts = {
      recipient: await countAccepted(db, { templateKey: input.templateKey, since, recipient }),
      user:
        input.userId === undefined
          ? undefined
          : await countAccepted(db, { templateKey: input.templateKey, since, userId: input.userId }),
    };
    const broken = otpLimitBroken(counts, settings.otp);
    if (broken !== undefined) {
      outcome = 'rate_limited';
      failureReason =
        broken === 'recipient'
          ? `More than ${settings.otp.perRecipient} codes to this address within an hour.`
          : `More than ${settings.otp.perUser} codes to this user within an hour.`;
    }
  }

  const inserted = await insertMessage(db, {
    id,
    source_id: input.sourceId,
    channel: input.channel,
    recipient,
    user_id: input.userId ?? null,
    template_key: input.templateKey,
    locale: input.locale,
    timezone: input.timezone ?? null,
    category: input.category,
    status: outcome === 'accepted' ? 'queued' : 'failed',
    failure_code: outcome === 'accepted' ? null : outcome,
    failure_reason: failureReason,
    data_ciphertext: outcome === 'accepted' ? settings.cipher.encrypt(id, input.data) : null,
    failed_at: outcome === 'accepted' ? null : new Date(),
  });
  if (!inserted) {
    // Another transaction queued the same message meanwhile (it committed first).
    const winner = await findBySource(db, key);
    if (winner === undefined) throw new Error('message vanished after a conflicting insert');
    return { messageId: winner.id, created: false, outcome: outcomeOf(winner.failure_code) };
  }
  if (outcome === 'accepted') options.afterCommit?.(wakeDelivery);
  return { messageId: id, created: true, outcome };
}

function outcomeOf(failureCode: string | null): QueueOutcome {
  return failureCode === 'suppressed' || failureCode === 'rate_limited' ? failureCode : 'accepted';
}
