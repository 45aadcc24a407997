/**
 * The request body of a delivery, as Standard Webhooks recommends: `{ type, timestamp, data }` where
 * `data` is the whole CloudEvent (so its `id`, `source` and `subject` travel too).
 */
import type { CloudEvent } from '@authplatform/contracts';

export function messageBody(event: CloudEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.time ?? new Date().toISOString(), data: event });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The user an event is about (for erasure): `data.user_id`, else a `user/<id>` or `user:<id>` subject. */
export function userOfEvent(event: Pick<CloudEvent, 'subject' | 'data'>): string | null {
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (typeof data.user_id === 'string' && UUID.test(data.user_id)) return data.user_id.toLowerCase();
  for (const candidate of [event.subject, typeof data.subject === 'string' ? data.subject : undefined]) {
    const match = candidate?.match(/^user[/:]([0-9a-f-]{36})$/i);
    if (match?.[1] !== undefined && UUID.test(match[1])) return match[1].toLowerCase();
  }
  return null;
}
