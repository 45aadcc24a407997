// @authplatform/messaging: the transactional outbox and its relay, the SQS consumer with its inbox,
// dead-letter tools, the topology bootstrap, and the plugin that runs them inside a service.
// See README.md.
import type { Migration } from 'kysely/migration';
import { inboxMigrations } from './inbox/schema.ts';
import { outboxMigrations } from './outbox/schema.ts';

export * from './compliance/index.ts';
export * from './consumer/index.ts';
export * from './dlq/index.ts';
export * from './inbox/index.ts';
export * from './outbox/index.ts';
export * from './service/index.ts';
export {
  type BootstrapTopologyOptions,
  type BootstrapTopologyResult,
  bootstrapTopology,
  DLQ_RETENTION_SEC,
  LOCALSTACK_SCRIPT_PATH,
  type QueueAttributes,
  queueAttributes,
  renderLocalstackScript,
  SUBSCRIPTION_ATTRIBUTES,
  snsDeliveryPolicy,
  TopologyError,
  type TopologyErrorCode,
  type TopologyLogger,
} from './topology/index.ts';

/** The outbox and inbox tables, for a service's migration list (they sort before its own). */
export const messagingMigrations: Record<string, Migration> = { ...outboxMigrations, ...inboxMigrations };
