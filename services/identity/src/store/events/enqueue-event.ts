/**
 * identity's `enqueueEvent`: messaging's, plus the CloudEvents `sequence` of events about a user
 * (`subject` `user/<id>`), taken from a per-subject counter in the same transaction, so the numbers follow
 * commit order for each user (the row lock serialises a user's concurrent writers).
 */
import type { CloudEvent } from '@authplatform/contracts';
import { enqueueEvent as enqueueOutboxEvent } from '@authplatform/messaging';
import { type QueryExecutorProvider, sql } from 'kysely';

const SEQUENCED = /^user\//;

export async function enqueueEvent(db: QueryExecutorProvider, event: CloudEvent): Promise<void> {
  const subject = event.subject;
  if (subject === undefined || event.sequence !== undefined || !SEQUENCED.test(subject)) {
    return enqueueOutboxEvent(db, event);
  }
  const next = await sql<{ seq: string }>`
    insert into event_sequences (subject, seq) values (${subject}, 1)
    on conflict (subject) do update set seq = event_sequences.seq + 1
    returning seq::text as seq`.execute(db);
  const seq = next.rows[0]?.seq;
  if (seq === undefined) throw new Error(`no sequence for ${subject}`);
  return enqueueOutboxEvent(db, { ...event, sequence: seq });
}
