import {
  type CloudEvent,
  COMMANDS_QUEUE_ID,
  type Command,
  isEventType,
  topicOf,
} from '@authplatform/contracts';
import { type QueryExecutorProvider, sql } from 'kysely';
import { OutboxError } from './errors.ts';
import type { OutboxKind } from './schema.ts';

/** SNS and SQS refuse a message (body plus attribute names, types and values) above 256 KiB. */
export const MAX_MESSAGE_BYTES = 262_144;

/** Logical queue of every command (`physicalName(prefix, COMMANDS_QUEUE)` on the broker). */
export const COMMANDS_QUEUE = COMMANDS_QUEUE_ID;

/** Logical topic of an event type: `<producer>-events`; `invalid_message` for a type not in the catalogue. */
export function eventTopic(type: string): string {
  if (!isEventType(type)) {
    throw new OutboxError('invalid_message', `Event type ${JSON.stringify(type)} is not in the catalogue.`);
  }
  return topicOf(type);
}

/** Bytes SNS/SQS count for a message: body, then each attribute's name, data type and value. */
export function messageBytes(body: string, type: string, traceparent: string | null): number {
  let size = Buffer.byteLength(body) + 'type'.length + 'String'.length + Buffer.byteLength(type);
  if (traceparent !== null) size += 'traceparent'.length + 'String'.length + Buffer.byteLength(traceparent);
  return size;
}

interface Row {
  id: string;
  kind: OutboxKind;
  destination: string;
  type: string;
  traceparent: string | null;
  payload: string;
}

function toRow(
  kind: OutboxKind,
  message: { id: string; type: string; traceparent?: string | undefined },
  destination: (type: string) => string,
): Row {
  if (typeof message.id !== 'string' || message.id.length === 0) {
    throw new OutboxError('invalid_message', `An outbox ${kind} needs a non-empty string id.`);
  }
  if (typeof message.type !== 'string' || message.type.length === 0) {
    throw new OutboxError('invalid_message', `Outbox ${kind} ${message.id} needs a non-empty string type.`);
  }
  const payload = JSON.stringify(message);
  const traceparent = message.traceparent || null; // SNS refuses an empty attribute value
  const size = messageBytes(payload, message.type, traceparent);
  if (size > MAX_MESSAGE_BYTES) {
    throw new OutboxError(
      'message_too_large',
      `Outbox ${kind} ${message.id} (${message.type}) is ${size} bytes; SNS/SQS accept at most ${MAX_MESSAGE_BYTES}.`,
    );
  }
  return {
    id: message.id,
    kind,
    destination: destination(message.type),
    type: message.type,
    traceparent,
    payload,
  };
}

/** Rows per INSERT statement: 6 parameters a row stays below Postgres's 65,535 per statement. */
const ROWS_PER_INSERT = 5_000;

async function insert(db: QueryExecutorProvider, rows: Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const values = rows
      .slice(i, i + ROWS_PER_INSERT)
      .map(
        (r) =>
          sql`(${r.id}, ${r.kind}, ${r.destination}, ${r.type}, ${r.traceparent}, cast(${r.payload} as jsonb))`,
      );
    await sql`insert into outbox (id, kind, destination, type, traceparent, payload)
      values ${sql.join(values)}`.execute(db);
  }
}

/**
 * Writes events to the outbox with the caller's connection: pass the kysely `Transaction` that
 * makes the state change, so the rows commit or roll back with it (a `Kysely` also works, each
 * statement then commits on its own). The unqualified table `outbox` resolves through the
 * connection's `search_path`, the service schema. The relay publishes them to
 * `<producer>-events` once committed (the insert notifies it at commit).
 * Throws `OutboxError` `invalid_message` or `message_too_large` (before touching the database), or
 * the database error (e.g. a unique violation when an event id is enqueued twice).
 */
export async function enqueueEvents(db: QueryExecutorProvider, events: readonly CloudEvent[]): Promise<void> {
  await insert(
    db,
    events.map((e) => toRow('event', e, eventTopic)),
  );
}

/** `enqueueEvents` for one event. */
export function enqueueEvent(db: QueryExecutorProvider, event: CloudEvent): Promise<void> {
  return enqueueEvents(db, [event]);
}

/**
 * Writes commands to the outbox (see `enqueueEvents`); the relay sends them to the
 * `notifications-commands` queue with `SendMessageBatch`.
 */
export async function enqueueCommands(
  db: QueryExecutorProvider,
  commands: readonly Command[],
): Promise<void> {
  await insert(
    db,
    commands.map((c) => toRow('command', c, () => COMMANDS_QUEUE)),
  );
}

/** `enqueueCommands` for one command. */
export function enqueueCommand(db: QueryExecutorProvider, command: Command): Promise<void> {
  return enqueueCommands(db, [command]);
}
