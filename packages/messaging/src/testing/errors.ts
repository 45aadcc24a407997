/** Stable machine codes of the test helpers' failures. */
export type TestingErrorCode =
  /** `spy.waitFor` did not see the expected outcomes in time. */
  | 'spy_timeout'
  /** `waitUntil` did not see its condition hold in time. */
  | 'wait_timeout';

export class TestingError extends Error {
  readonly code: TestingErrorCode;

  constructor(code: TestingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TestingError';
    this.code = code;
  }
}
