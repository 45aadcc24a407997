/** Stable machine codes of consumer failures. */
export type ConsumerErrorCode =
  /** An option is missing or out of range (`createConsumer`). */
  | 'invalid_options'
  /**
   * `stop()` gave up waiting for the handler and released its message: the handler's transaction is
   * rolled back when it returns, and another delivery handles the message.
   */
  | 'handler_abandoned'
  /** Sending a message to the dead-letter queue failed (it stays on the queue and is retried). */
  | 'dead_letter_failed'
  /** `start()` was called while `stop()` was still running. */
  | 'consumer_stopping';

/** A consumer operation failed; `code` is stable, `cause` is the underlying error when there is one. */
export class ConsumerError extends Error {
  readonly code: ConsumerErrorCode;

  constructor(code: ConsumerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsumerError';
    this.code = code;
  }
}
