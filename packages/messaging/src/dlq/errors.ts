/** Stable machine codes of dead-letter tool failures. */
export type DlqErrorCode =
  /** The dead-letter queue could not be read. */
  | 'dlq_unavailable'
  /** Sending messages back or deleting them from the DLQ failed. */
  | 'redrive_failed'
  /** The CLI was called with missing or unknown arguments. */
  | 'invalid_arguments'
  /** `show` found no message with that id. */
  | 'dead_letter_not_found';

export class DlqError extends Error {
  readonly code: DlqErrorCode;

  constructor(code: DlqErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DlqError';
    this.code = code;
  }
}
