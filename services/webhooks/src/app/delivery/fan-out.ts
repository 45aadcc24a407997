/**
 * An event arrives: one message per enabled endpoint whose filter matches its type, written in the
 * consumer's transaction (with the inbox row), so a redelivered event creates no second message; the
 * unique (endpoint, event) pair makes that hold even across a redrive.
 */
import { type CloudEvent, uuidv7 } from '@authplatform/contracts';
import type { Kysely } from 'kysely';
import { messageBody, userOfEvent } from '../../domain/delivery/message-body.ts';
import { matchesAny } from '../../domain/endpoints/event-filter.ts';
import type { WebhooksDatabase } from '../../store/webhooks/schema.ts';

export async function fanOut(trx: Kysely<WebhooksDatabase>, event: CloudEvent): Promise<number> {
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'event_types'])
    .where('enabled', '=', true)
    .execute();
  // Events about one endpoint (its delivery exhausted, it was disabled...) are never delivered to that
  // endpoint itself: a failing endpoint subscribed to `webhooks.*` would otherwise feed itself forever.
  const about = event.type.startsWith('webhooks.')
    ? (event.data as { endpoint_id?: unknown }).endpoint_id
    : undefined;
  const targets = endpoints.filter((e) => e.id !== about && matchesAny(e.event_types, event.type));
  if (targets.length === 0) return 0;
  const body = messageBody(event);
  const userId = userOfEvent(event);
  const now = new Date();
  const inserted = await trx
    .insertInto('webhook_messages')
    .values(
      targets.map((e) => ({
        id: uuidv7(),
        endpoint_id: e.id,
        event_id: event.id,
        event_type: event.type,
        user_id: userId,
        body,
        next_attempt_at: now,
        lease_until: null,
        last_status: null,
      })),
    )
    .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n);
}
