// Errors of the template module, each with a stable `code` (and the underlying `cause`).

export type TemplateErrorCode =
  /** No template with that key. */
  | 'template_not_found'
  /** The key has no template for that channel (e.g. SMS for `password-reset`). */
  | 'channel_not_supported'
  /** The data does not fit the key's fields (missing, wrong type, a link that is not http(s)). */
  | 'template_data_invalid'
  /** A template or override could not be compiled or rendered (see `issues`). */
  | 'template_invalid'
  /** The template directory is incomplete or broken (raised by `createTemplateRenderer`). */
  | 'templates_dir_invalid';

export type TemplatePart = 'subject' | 'mjml' | 'html' | 'text' | 'sms' | 'override' | 'data';

/** One problem found in a template or an override: which part, and what, for people. */
export interface TemplateIssue {
  readonly part: TemplatePart;
  readonly message: string;
  /** 1-based line within the part's source, when known. */
  readonly line?: number;
}

export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  readonly issues: readonly TemplateIssue[];

  constructor(
    code: TemplateErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly TemplateIssue[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TemplateError';
    this.code = code;
    this.issues = options.issues ?? [];
  }
}
