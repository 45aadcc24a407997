/**
 * Use case: send one message for a command or an event, honouring the user's preferences.
 *
 * Runs in the consumer's transaction. A category the user opted out of (never `security`) is not
 * queued; the skip is recorded instead (`preference_skips`), once per (source, channel). Everything
 * else goes to delivery's `queueMessage`, which is idempotent per (source, channel, recipient) and
 * applies the suppression list and the OTP rate limits.
 */
import type { Kysely, Transaction } from 'kysely';
import { isMandatory } from '../../domain/preferences/categories.ts';
import { allows } from '../../domain/preferences/preferences.ts';
import { preferencesStore } from '../../store/preferences/preferences-store.ts';
import type { PreferencesDatabase } from '../../store/preferences/schema.ts';
import type { QueueMessage, QueueMessageInput } from './ports.ts';

export type NotifyOutcome =
  | { outcome: 'queued'; messageId: string; created: boolean }
  | { outcome: 'skipped_by_preferences' }
  /** Delivery refused the request itself (an address that is no email / E.164 number, a bad key or locale). */
  | { outcome: 'refused'; code: string; reason: string };

/** Errors of `queueMessage` that no retry can fix: the message is dropped (and logged) rather than retried. */
const PERMANENT = new Set(['invalid_recipient', 'invalid_message']);

export async function notify<DB>(
  trx: Transaction<DB>,
  queueMessage: QueueMessage,
  input: QueueMessageInput,
  afterCommit?: (fn: () => void | Promise<void>) => void,
): Promise<NotifyOutcome> {
  if (input.userId !== undefined && !isMandatory(input.category)) {
    const store = preferencesStore(trx as unknown as Kysely<PreferencesDatabase>);
    const choices = await store.choicesOf(input.userId);
    if (!allows(choices, input.category, input.channel)) {
      await store.recordSkip({
        sourceId: input.sourceId,
        channel: input.channel,
        userId: input.userId,
        templateKey: input.templateKey,
        category: input.category,
      });
      return { outcome: 'skipped_by_preferences' };
    }
  }
  try {
    const queued = await queueMessage(trx, input, afterCommit === undefined ? {} : { afterCommit });
    return { outcome: 'queued', messageId: queued.messageId, created: queued.created };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && PERMANENT.has(code)) {
      return { outcome: 'refused', code, reason: (error as Error).message };
    }
    throw error;
  }
}
