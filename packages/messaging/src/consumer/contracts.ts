/**
 * The shapes of `@authplatform/contracts` the consumer relies on, declared structurally while that
 * package is being written. Both `CloudEvent` and `Command` satisfy `ConsumableMessage`, and the
 * contracts' `parseEvent` / `parseCommand` fit `parse` (wrapped as `(body) => parseEvent(body)`).
 * When the package exports `ParseResult`, replace the declaration below with a re-export.
 */

/** Result of validating a message body (same shape as the contracts' `ParseResult`). */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What the consumer needs of a message: its deduplication id, its type, its trace context. */
export interface ConsumableMessage {
  /** Deduplication key (the CloudEvents `id`, a UUIDv7; or the command id). */
  id: string;
  /** Selects the handler. */
  type: string;
  /** W3C trace context of the producer's transaction. */
  traceparent?: string | undefined;
}
