/**
 * A provider call that did not succeed, classified for the retry policy: `transient` (throttling,
 * 5xx, network, timeout) is retried with backoff; `permanent` (the request itself is refused)
 * fails the message at once. `code` is the provider's error code (SES exception name, Twilio error
 * number) or a network code; `message` never holds message content.
 */
export class ProviderError extends Error {
  readonly kind: 'transient' | 'permanent';
  readonly code: string;
  readonly provider: string;
  constructor(
    provider: string,
    kind: 'transient' | 'permanent',
    code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message.slice(0, 500), options);
    this.name = 'ProviderError';
    this.provider = provider;
    this.kind = kind;
    this.code = code.slice(0, 100);
  }
}

/** What a provider returns when it accepted a message. */
export interface ProviderAccepted {
  providerId: string;
}

const NETWORK_CODES =
  /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ECONNABORTED|UND_ERR_[A-Z_]+)\b/;

/** Whether an error is a network failure or a timeout (the provider may not have seen the call). */
export function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  return (
    NETWORK_CODES.test(String(code ?? '')) ||
    NETWORK_CODES.test(String(message ?? '')) ||
    name === 'TimeoutError' ||
    name === 'AbortError'
  );
}
