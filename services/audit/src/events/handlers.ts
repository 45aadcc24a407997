/**
 * Handlers of the events audit consumes: every type of every topic (`handledEvents.audit` in
 * @authplatform/contracts). Each becomes one record of the hash-chained log, written in the consumer's
 * transaction with the inbox row, so a redelivered event is recorded once.
 */
import { type CloudEvent, handledEvents } from '@authplatform/contracts';
import type { HandlerMap, MessageHandler } from '@authplatform/messaging';
import { recordEvent } from '../app/log/record-event.ts';
import type { AuditLogWriter } from '../store/log/audit-log-store.ts';
import type { AuditDatabase } from '../store/log/schema.ts';

export interface AuditHandlerDeps {
  writer: AuditLogWriter;
}

export function createHandlers(deps: AuditHandlerDeps): HandlerMap<CloudEvent, AuditDatabase> {
  const record: MessageHandler<CloudEvent, AuditDatabase> = async (event, { trx }) => {
    await recordEvent(deps.writer, trx, event);
  };
  return Object.fromEntries(handledEvents.audit.map((type) => [type, record])) as HandlerMap<
    CloudEvent,
    AuditDatabase
  >;
}
