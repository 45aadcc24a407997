export {
  type InboxEntry,
  isInInbox,
  type PruneInboxOptions,
  pruneInbox,
  recordInInbox,
  type SqlExecutor,
} from './inbox.ts';
export { type InboxDatabase, type InboxTable, inboxMigrations } from './schema.ts';
