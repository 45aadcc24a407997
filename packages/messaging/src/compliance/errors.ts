export type ComplianceExportErrorCode = 'invalid_request' | 'invalid_bucket' | 'storage_failed';

/** A compliance export part could not be stored; `code` is stable, `cause` carries the SDK error. */
export class ComplianceExportError extends Error {
  override readonly name = 'ComplianceExportError';
  readonly code: ComplianceExportErrorCode;
  constructor(code: ComplianceExportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
