import type { ColumnType, Generated } from 'kysely';

export type WebhookEndpointsTable = {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  owner_id: string | null;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  rate_limit_per_sec: number | null;
  /** The current signing secret, AES-256-GCM sealed (domain/endpoints/secret-box.ts). */
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
};

export type MessageStatus = 'pending' | 'delivered' | 'failed';

export type WebhookMessagesTable = {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  user_id: string | null;
  /** The request body as sent (kept for the retention period, then null). */
  body: string | null;
  status: ColumnType<MessageStatus, MessageStatus | undefined, MessageStatus>;
  attempts: Generated<number>;
  next_attempt_at: Date | null;
  lease_until: Date | null;
  /** Who holds the lease: only that worker may record the attempt's outcome. */
  lease_token: string | null;
  last_status: number | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
};

export type WebhookAttemptsTable = {
  id: string;
  message_id: string;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  response_excerpt: string | null;
  error: string | null;
};

// A type alias, not an interface: kysely's `withTables<T>` needs the implicit index signature.
export type WebhooksDatabase = {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_attempts: WebhookAttemptsTable;
};
