/**
 * RFC 9457 problem details. Every error that reaches an HTTP client is a `ProblemError`
 * (or is turned into a generic 500 one that reveals nothing).
 */

/** Base of the stable `type` URIs; each error kind appends its own code. */
export const PROBLEM_TYPE_BASE = 'https://authplatform.dev/problems/';

export interface FieldError {
  /** JSON Pointer into the request part, e.g. `/body/email` or `/query/limit`. */
  pointer: string;
  /** Stable machine code of the failed rule, e.g. `required`, `format`, `additionalProperties`. */
  code: string;
  /** Human explanation. */
  detail: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  request_id?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface ProblemInit {
  /** Stable machine code; also the last segment of the `type` URI (e.g. `validation_failed`). */
  code: string;
  status: number;
  title: string;
  detail?: string;
  errors?: FieldError[];
  /** Extra members added to the problem body (never secrets). */
  extensions?: Record<string, unknown>;
  /** Response headers to set, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class ProblemError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ProblemError';
    this.code = init.code;
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors;
    this.extensions = init.extensions ?? {};
    this.headers = init.headers ?? {};
  }

  get type(): string {
    return PROBLEM_TYPE_BASE + this.code;
  }

  toBody(requestId?: string, instance?: string): ProblemBody {
    const body: ProblemBody = {
      ...this.extensions,
      type: this.type,
      title: this.title,
      status: this.status,
      code: this.code,
    };
    if (this.detail !== undefined) body.detail = this.detail;
    if (instance !== undefined) body.instance = instance;
    if (requestId !== undefined) body.request_id = requestId;
    if (this.errors !== undefined) body.errors = this.errors;
    return body;
  }
}

export const problems = {
  validation: (errors: FieldError[], detail = 'The request is not valid.') =>
    new ProblemError({ code: 'validation_failed', status: 400, title: 'Invalid request', detail, errors }),
  badRequest: (code: string, detail: string) =>
    new ProblemError({ code, status: 400, title: 'Bad request', detail }),
  unauthorized: (detail = 'A valid access token is required.', cause?: unknown) =>
    new ProblemError({
      code: 'unauthorized',
      status: 401,
      title: 'Unauthorized',
      detail,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      cause,
    }),
  forbidden: (detail = 'The access token does not grant the required permission.') =>
    new ProblemError({ code: 'forbidden', status: 403, title: 'Forbidden', detail }),
  notFound: (detail = 'The requested resource does not exist.') =>
    new ProblemError({ code: 'not_found', status: 404, title: 'Not found', detail }),
  methodNotAllowed: (allowed: string[]) =>
    new ProblemError({
      code: 'method_not_allowed',
      status: 405,
      title: 'Method not allowed',
      detail: `Allowed methods: ${allowed.join(', ')}.`,
      headers: { Allow: allowed.join(', ') },
    }),
  conflict: (code: string, detail: string) =>
    new ProblemError({ code, status: 409, title: 'Conflict', detail }),
  payloadTooLarge: (limit: string) =>
    new ProblemError({
      code: 'payload_too_large',
      status: 413,
      title: 'Payload too large',
      detail: `The request body exceeds ${limit}.`,
    }),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ProblemError({
      code: 'too_many_requests',
      status: 429,
      title: 'Too many requests',
      detail: 'Slow down and retry later.',
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    }),
  internal: (cause?: unknown) =>
    new ProblemError({
      code: 'internal_error',
      status: 500,
      title: 'Internal server error',
      detail: 'Something went wrong on our side. The request id identifies it in our logs.',
      cause,
    }),
  unavailable: (detail: string) =>
    new ProblemError({ code: 'unavailable', status: 503, title: 'Service unavailable', detail }),
} as const;
