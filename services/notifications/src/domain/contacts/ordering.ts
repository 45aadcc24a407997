/**
 * Ordering of contact projection updates (events.md: "`sequence` grows per `subject` within its
 * producer; consumers that keep projections apply an event only when its sequence is newer"), the
 * same rule as identity's claims projection (`services/identity/src/domain/claims/ordering.ts`).
 *
 * Every identity.user.* event of one user has the subject `user/{id}`, so their sequences are numbers
 * of one counter. The order key is `(seq, event_id)`:
 * - `seq` is the CloudEvents `sequence`; an event without one gets -1, so it never overrides a
 *   sequenced update, and unsequenced updates are ordered among themselves by their UUIDv7 id
 *   (time-ordered);
 * - `event_id` breaks ties and makes a duplicate (same id) a no-op.
 */
export interface OrderKey {
  /** Decimal digits, or "-1" when the event has no `sequence`. */
  seq: string;
  eventId: string;
}

export function orderKey(event: { id: string; sequence?: string | undefined }): OrderKey {
  const seq = event.sequence !== undefined && /^\d{1,30}$/.test(event.sequence) ? event.sequence : '-1';
  return { seq, eventId: event.id.toLowerCase() };
}

/** Compares two keys: negative when `a` is older than `b`, 0 when equal. */
export function compareKeys(a: OrderKey, b: OrderKey): number {
  const sa = BigInt(a.seq);
  const sb = BigInt(b.seq);
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}
