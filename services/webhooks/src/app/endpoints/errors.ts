export type EndpointErrorCode = 'invalid_url' | 'invalid_event_filter';

/** A request about an endpoint that cannot be honoured; `code` is stable (the problem type). */
export class EndpointError extends Error {
  override readonly name = 'EndpointError';
  readonly code: EndpointErrorCode;
  constructor(code: EndpointErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
