/**
 * The delivery log and manual redelivery (spec webhooks.md): messages of an endpoint with their
 * attempts, one message again now, every failed message since a time again, and a test message.
 */
import { uuidv7 } from '@authplatform/contracts';
import type { Kysely } from 'kysely';
import type { MessageStatus, WebhooksDatabase } from '../../store/webhooks/schema.ts';

export interface DeliveryView {
  id: string;
  event_id: string;
  event_type: string;
  status: MessageStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  created_at: string;
  attempt_log: Array<{
    attempted_at: string;
    status_code: number | null;
    latency_ms: number;
    response_excerpt: string | null;
    error: string | null;
  }>;
}

export function manageDeliveries(db: Kysely<WebhooksDatabase>, wake: () => void) {
  return {
    async list(
      endpointId: string,
      page: { status?: MessageStatus | undefined; before?: string | undefined; limit: number },
    ): Promise<DeliveryView[]> {
      let query = db
        .selectFrom('webhook_messages')
        .selectAll()
        .where('endpoint_id', '=', endpointId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (page.status !== undefined) query = query.where('status', '=', page.status);
      if (page.before !== undefined) query = query.where('id', '<', page.before);
      const messages = await query.execute();
      const attempts =
        messages.length === 0
          ? []
          : await db
              .selectFrom('webhook_attempts')
              .selectAll()
              .where(
                'message_id',
                'in',
                messages.map((m) => m.id),
              )
              .orderBy('attempted_at')
              .execute();
      return messages.map((m) => ({
        id: m.id,
        event_id: m.event_id,
        event_type: m.event_type,
        status: m.status,
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at?.toISOString() ?? null,
        last_status: m.last_status,
        created_at: m.created_at.toISOString(),
        attempt_log: attempts
          .filter((a) => a.message_id === m.id)
          .map((a) => ({
            attempted_at: a.attempted_at.toISOString(),
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            response_excerpt: a.response_excerpt,
            error: a.error,
          })),
      }));
    },

    /** One message again, now (whatever its state); false when unknown or its body is gone. */
    async retry(messageId: string): Promise<boolean> {
      const result = await db
        .updateTable('webhook_messages')
        .set({
          status: 'pending',
          attempts: 0,
          next_attempt_at: new Date(),
          // A lease in force stays: the worker holding it finishes its attempt first (no double send).
          updated_at: new Date(),
        })
        .where('id', '=', messageId)
        .where('body', 'is not', null)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) wake();
      return result.numUpdatedRows > 0n;
    },

    /** Every failed message of the endpoint created since `since`, again; answers how many. */
    async recover(endpointId: string, since: Date): Promise<number> {
      const result = await db
        .updateTable('webhook_messages')
        .set({
          status: 'pending',
          attempts: 0,
          next_attempt_at: new Date(),
          // A lease in force stays: the worker holding it finishes its attempt first (no double send).
          updated_at: new Date(),
        })
        .where('endpoint_id', '=', endpointId)
        .where('status', '=', 'failed')
        .where('created_at', '>=', since)
        .where('body', 'is not', null)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) wake();
      return Number(result.numUpdatedRows);
    },

    /** A `webhooks.test` message to one endpoint, sent now; answers the message id. */
    async sendTest(endpointId: string): Promise<string> {
      const eventId = uuidv7();
      const time = new Date().toISOString();
      const event = {
        specversion: '1.0',
        id: eventId,
        source: '/services/webhooks',
        type: 'webhooks.test',
        subject: `endpoint/${endpointId}`,
        time,
        datacontenttype: 'application/json',
        data: {
          endpoint_id: endpointId,
          message: 'A test event: your endpoint is reachable and verifies signatures.',
        },
      };
      const id = uuidv7();
      await db
        .insertInto('webhook_messages')
        .values({
          id,
          endpoint_id: endpointId,
          event_id: eventId,
          event_type: 'webhooks.test',
          user_id: null,
          body: JSON.stringify({ type: 'webhooks.test', timestamp: time, data: event }),
          next_attempt_at: new Date(),
          lease_until: null,
          last_status: null,
        })
        .execute();
      wake();
      return id;
    },
  };
}

export type ManageDeliveries = ReturnType<typeof manageDeliveries>;
