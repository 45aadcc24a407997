/**
 * Test support of the handlers: a suite schema with every migration of the service, and a way to
 * run a command or an event through its handler in a transaction, as the consumer does.
 */
import type { CloudEvent, Command } from '@authplatform/contracts';
import type { HandlerContext, MessageHandler } from '@authplatform/messaging';
import { type TestConnection, type TestDatabase, testDatabase } from '@authplatform/test-kit';
import type { Kysely } from 'kysely';
import type { NotificationsDatabase } from '../store/database.ts';
import { migrations } from '../store/migrations/index.ts';
import type { NotificationsHandlers } from './handlers.ts';

export interface HandlersHarness {
  db: Kysely<NotificationsDatabase>;
  deliver(
    handlers: NotificationsHandlers,
    message: CloudEvent | Command,
    options?: { receiveCount?: number },
  ): Promise<void>;
  close(): Promise<void>;
}

export const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function startHandlersHarness(): Promise<HandlersHarness> {
  const database: TestDatabase = await testDatabase();
  const connection: TestConnection<NotificationsDatabase> = await database.connect<NotificationsDatabase>();
  const db = connection.db;
  for (const name of Object.keys(migrations).sort()) await migrations[name]?.up(db as Kysely<unknown>);
  return {
    db,
    async deliver(handlers, message, options = {}) {
      const map = ('specversion' in message ? handlers.events : handlers.commands) as Record<
        string,
        MessageHandler<CloudEvent | Command, NotificationsDatabase> | undefined
      >;
      const handler = map[message.type];
      if (handler === undefined) throw new Error(`no handler for ${message.type}`);
      await db.transaction().execute((trx) =>
        handler(message, {
          trx,
          log: silentLog,
          receiveCount: options.receiveCount ?? 1,
          sqsMessageId: 'test',
          signal: new AbortController().signal,
          afterCommit: () => undefined,
        } satisfies HandlerContext<NotificationsDatabase>),
      );
    },
    async close() {
      await connection.close();
      await database.drop();
    },
  };
}
