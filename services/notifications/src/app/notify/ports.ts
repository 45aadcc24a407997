/**
 * What the notification use cases need from delivery (H4a's `queueMessage`, injected so the use cases
 * and their tests do not depend on how delivery stores and sends).
 */
import type { Transaction } from 'kysely';
import type { Category, Channel } from '../../domain/preferences/categories.ts';

export interface QueueMessageInput {
  /** The command or event id: one message per (source, channel, recipient). */
  sourceId: string;
  channel: Channel;
  /** Email address or E.164 phone number. */
  recipient: string;
  userId?: string;
  templateKey: string;
  locale: string;
  timezone?: string;
  category: Category;
  data: Record<string, unknown>;
}

export type QueueMessage = (
  // biome-ignore lint/suspicious/noExplicitAny: any transaction on the service schema; delivery types its own tables.
  trx: Transaction<any>,
  input: QueueMessageInput,
  /** `afterCommit` of the consumer: wakes the delivery workers once the message is visible. */
  options?: { afterCommit?: (fn: () => void | Promise<void>) => void },
) => Promise<{ messageId: string; created: boolean }>;
