export {
  COMMANDS_QUEUE,
  enqueueCommand,
  enqueueCommands,
  enqueueEvent,
  enqueueEvents,
  eventTopic,
  MAX_MESSAGE_BYTES,
} from './enqueue.ts';
export { OutboxError, type OutboxErrorCode } from './errors.ts';
export type { OutboxLogger } from './logger.ts';
export {
  countPendingOutbox,
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayOptions,
  pruneOutbox,
  RELAY_DEFAULTS,
} from './relay.ts';
export {
  type OutboxDatabase,
  type OutboxKind,
  type OutboxTable,
  outboxChannel,
  outboxMigrations,
} from './schema.ts';
