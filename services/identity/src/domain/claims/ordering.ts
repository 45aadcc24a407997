/**
 * Ordering of projection updates (events.md: "`sequence` grows per `subject` within its producer;
 * consumers that keep projections apply an event only when its sequence is newer").
 *
 * Each projection row is keyed inside one event subject (`role/{name}` for roles, the authz subject
 * `user:…`/`group:…` for assignments and memberships), so comparing sequences between the row and
 * an incoming event compares numbers of the same counter. The order key is `(seq, event_id)`:
 * - `seq` is the CloudEvents `sequence`; an event without one gets -1, so it never overrides a
 *   sequenced update and unsequenced updates are ordered among themselves by their UUIDv7 id
 *   (time-ordered);
 * - `event_id` breaks ties and makes a duplicate (same id) a no-op.
 * A row is overwritten only by a strictly greater key, so any order and any number of copies of
 * the same set of events end in the same state. Removals keep the row (`active = false`).
 */
export interface OrderKey {
  /** Decimal string (numeric column); "-1" when the event has no `sequence`. */
  seq: string;
  eventId: string;
}

export function orderKey(event: { id: string; sequence?: string | undefined }): OrderKey {
  const seq = event.sequence !== undefined && /^\d{1,30}$/.test(event.sequence) ? event.sequence : '-1';
  return { seq, eventId: event.id.toLowerCase() };
}
