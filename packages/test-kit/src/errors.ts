export type TestKitErrorCode = 'testkit_not_set_up' | 'inbox_unavailable' | 'email_timeout';

export class TestKitError extends Error {
  readonly code: TestKitErrorCode;

  constructor(code: TestKitErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TestKitError';
    this.code = code;
  }
}
