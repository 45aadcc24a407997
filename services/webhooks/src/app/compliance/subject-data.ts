/**
 * What webhooks holds about a user (data-subject workflows, spec audit.md): endpoints they own and
 * messages about them (event bodies kept for the retention period). Erasure removes the bodies and the
 * ownership; the delivery log keeps ids, types, times and statuses, which say nothing about the person.
 */
import type { Kysely } from 'kysely';
import type { WebhooksDatabase } from '../../store/webhooks/schema.ts';

export async function eraseSubject(
  trx: Kysely<WebhooksDatabase>,
  userId: string,
): Promise<{ message_bodies: number; owned_endpoints: number }> {
  // What receivers answered may echo the request body: it goes with it.
  await trx
    .updateTable('webhook_attempts')
    .set({ response_excerpt: null, error: null })
    .where('message_id', 'in', (eb) =>
      eb.selectFrom('webhook_messages').select('id').where('user_id', '=', userId),
    )
    .execute();
  const bodies = await trx
    .updateTable('webhook_messages')
    .set({ body: null, user_id: null, updated_at: new Date() })
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const owned = await trx
    .updateTable('webhook_endpoints')
    .set({ owner_id: null, updated_at: new Date() })
    .where('owner_id', '=', userId)
    .executeTakeFirst();
  return { message_bodies: Number(bodies.numUpdatedRows), owned_endpoints: Number(owned.numUpdatedRows) };
}

export async function exportSubject(
  db: Kysely<WebhooksDatabase>,
  userId: string,
): Promise<{ records: number; data: { endpoints: unknown[]; messages: unknown[] } }> {
  const endpoints = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'url', 'description', 'event_types', 'enabled', 'created_at'])
    .where('owner_id', '=', userId)
    .execute();
  const messages = await db
    .selectFrom('webhook_messages')
    .select(['id', 'endpoint_id', 'event_id', 'event_type', 'status', 'attempts', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  return { records: endpoints.length + messages.length, data: { endpoints, messages } };
}
