/** The `notifications.message.*` events of a message, enqueued in the caller's transaction (outbox). */
import { createEvent } from '@authplatform/contracts';
import { enqueueEvent } from '@authplatform/messaging';
import type { Kysely, Transaction } from 'kysely';
import type { MessageRow } from '../../store/messages/messages-store.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fields(message: MessageRow) {
  return {
    message_id: message.id,
    ...(message.user_id === null ? {} : { user_id: message.user_id }),
    channel: message.channel,
    template: message.template_key,
    ...(message.provider_id === null ? {} : { provider_id: message.provider_id.slice(0, 200) }),
    ...(UUID.test(message.source_id) ? { trigger_id: message.source_id.toLowerCase() } : {}),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: any transaction of the service's database holds the outbox.
type Trx = Transaction<any> | Kysely<any>;

export async function publishSent(trx: Trx, message: MessageRow): Promise<void> {
  await enqueueEvent(trx, createEvent('notifications.message.sent', fields(message)));
}

export async function publishDelivered(trx: Trx, message: MessageRow): Promise<void> {
  await enqueueEvent(trx, createEvent('notifications.message.delivered', fields(message)));
}

export async function publishFailed(trx: Trx, message: MessageRow, reason: string): Promise<void> {
  await enqueueEvent(
    trx,
    createEvent('notifications.message.failed', {
      ...fields(message),
      reason: reason.slice(0, 500),
      attempts: Math.max(1, message.attempts),
    }),
  );
}

export async function publishBounced(
  trx: Trx,
  message: MessageRow,
  bounceType: 'permanent' | 'transient' | 'complaint',
  suppressed: boolean,
): Promise<void> {
  await enqueueEvent(
    trx,
    createEvent('notifications.message.bounced', { ...fields(message), bounce_type: bounceType, suppressed }),
  );
}
