/**
 * What an audit record says about an event (spec audit.md: event id, type, time, actor, subject,
 * source service, IP and user agent when known, outcome, and the event data). Pure: no I/O.
 */
import type { CloudEvent } from '@authplatform/contracts';

export type ActorType = 'user' | 'client' | 'admin' | 'system' | 'anonymous';
export type Outcome = 'success' | 'failure';

export interface AuditFacts {
  eventId: string;
  type: string;
  occurredAt: Date;
  /** The producing service (`identity`, ...). */
  source: string;
  actorType: ActorType;
  actorId: string | null;
  /** The CloudEvents subject (`user/…`, `role/…`, `compliance/…`). */
  subject: string | null;
  /** The user the record is about, whose data key seals its personal data; null when none. */
  userId: string | null;
  outcome: Outcome;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FAILURES: ReadonlySet<string> = new Set([
  'authz.decision.denied',
  'identity.login.failed',
  'identity.token.reuse_detected',
  'notifications.message.failed',
  'notifications.message.bounced',
  'webhooks.delivery.exhausted',
]);

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The user a record is about: `data.user_id`, else a `user/<id>` or `user:<id>` subject. */
export function userOf(event: Pick<CloudEvent, 'subject' | 'data'>): string | null {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const fromData = str(data.user_id);
  if (fromData !== null && UUID.test(fromData)) return fromData.toLowerCase();
  for (const candidate of [str(event.subject), str(data.subject)]) {
    const match = candidate?.match(/^user[/:]([0-9a-f-]{36})$/i);
    if (match?.[1] !== undefined && UUID.test(match[1])) return match[1].toLowerCase();
  }
  return null;
}

/**
 * The record's copy of the event data as I-JSON (RFC 7493, required by RFC 8785): lone surrogates in
 * strings become U+FFFD, so every event can be canonicalised, hashed and recorded.
 */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toWellFormed(), wellFormed(v)]));
  }
  return value;
}

/** The event's time, or now when it has none (or none that parses). */
function occurredAt(time: string | undefined): Date {
  const at = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(at) ? new Date() : new Date(at);
}

export function auditFactsOf(event: CloudEvent): AuditFacts {
  const data = wellFormed(event.data ?? {}) as Record<string, unknown>;
  const userId = userOf(event);
  const actor = (typeof data.actor === 'object' && data.actor !== null ? data.actor : undefined) as
    | { type?: unknown; id?: unknown }
    | undefined;
  let actorType: ActorType;
  let actorId: string | null;
  if (actor !== undefined && typeof actor.type === 'string') {
    actorType = (
      ['user', 'client', 'admin', 'system'].includes(actor.type) ? actor.type : 'system'
    ) as ActorType;
    actorId = str(actor.id);
  } else if (event.type === 'identity.login.failed') {
    // Whoever tried is not known to be the user.
    actorType = 'anonymous';
    actorId = null;
  } else if (event.type.startsWith('identity.') && userId !== null) {
    actorType = 'user';
    actorId = userId;
  } else {
    actorType = 'system';
    actorId = null;
  }
  return {
    eventId: event.id,
    type: event.type,
    occurredAt: occurredAt(event.time),
    source: event.source.replace(/^\/services\//, ''),
    actorType,
    actorId,
    subject: str(event.subject),
    userId,
    outcome: FAILURES.has(event.type) ? 'failure' : 'success',
    ip: str(data.ip),
    userAgent: str(data.user_agent),
    data,
  };
}
