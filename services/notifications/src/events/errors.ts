/** Errors of the handlers, with a stable `code`. */
export class HandlerError extends Error {
  readonly code: 'contact_not_known_yet' | 'export_unavailable';

  constructor(code: HandlerError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HandlerError';
    this.code = code;
  }
}
