/** Stable machine codes of outbox failures. */
export type OutboxErrorCode =
  /** The message (body and attributes) is larger than SNS/SQS accept (256 KiB). */
  | 'message_too_large'
  /** An event or command lacks an id or a type. */
  | 'invalid_message'
  /** The topic or queue of a row does not exist on the broker. */
  | 'destination_not_found'
  /** `drain()` gave up while rows were still pending. */
  | 'drain_timeout'
  /** `drain()` was called on a relay that is not running. */
  | 'relay_not_running'
  /** `start()` was called on a relay that was stopped. */
  | 'relay_stopped';

/** An outbox operation failed; `code` is stable, `cause` is the underlying error when there is one. */
export class OutboxError extends Error {
  readonly code: OutboxErrorCode;

  constructor(code: OutboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutboxError';
    this.code = code;
  }
}
