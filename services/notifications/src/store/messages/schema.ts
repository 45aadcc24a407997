import type { Generated } from 'kysely';
import type { Channel, MessageStatus } from '../../domain/delivery/status.ts';

export type MessagesTable = {
  id: string;
  /** The command or event id that caused the message (idempotency with channel and recipient). */
  source_id: string;
  channel: Channel;
  /** Normalized address: lower-case email, E.164 phone number; `erased:<hash>` after erasure. */
  recipient: string;
  user_id: string | null;
  template_key: string;
  locale: string;
  timezone: string | null;
  category: string;
  status: MessageStatus;
  /** `suppressed`, `rate_limited`, `provider_rejected`, `retries_exhausted`, `render_failed`, ... */
  failure_code: string | null;
  /** Why, without the message content. */
  failure_reason: string | null;
  provider: string | null;
  provider_id: string | null;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  /** AES-256-GCM (nonce ‖ ciphertext ‖ tag) of the template data; NULL once the send has an outcome. */
  data_ciphertext: Uint8Array | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  sent_at: Date | null;
  delivered_at: Date | null;
  bounced_at: Date | null;
  failed_at: Date | null;
  erased_at: Date | null;
};

export type MessageAttemptsTable = {
  message_id: string;
  attempt: number;
  provider: string;
  outcome: 'sent' | 'transient_error' | 'permanent_error';
  provider_id: string | null;
  error_code: string | null;
  error_message: string | null;
  started_at: Date;
  finished_at: Generated<Date>;
};

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'unsubscribed';

export type SuppressionsTable = {
  address: string;
  channel: Channel;
  reason: SuppressionReason;
  provider: string;
  message_id: string | null;
  detail: string | null;
  created_at: Generated<Date>;
};

export type DevOutboxTable = {
  id: string;
  message_id: string;
  channel: Channel;
  recipient: string;
  template_key: string;
  body: string;
  created_at: Generated<Date>;
};

// A type alias, not an interface: kysely's `withTables<T>` needs the implicit index signature.
export type MessagesDatabase = {
  messages: MessagesTable;
  message_attempts: MessageAttemptsTable;
  suppressions: SuppressionsTable;
  dev_outbox: DevOutboxTable;
};
