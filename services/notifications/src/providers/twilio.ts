/**
 * SMS through the real `twilio` SDK (v6).
 *
 * Pointing the SDK elsewhere (tests, the local stand-in in `src/testing/twilio-stand-in.ts`): the SDK
 * builds every URL from `https://api.twilio.com` (its generated `Api` domain) and hands each request
 * to the client's `httpClient` (`lib/base/BaseTwilio.js` → `httpClient.request({ uri, ... })`). We give
 * it a `RequestClient` subclass (`lib/base/RequestClient.js`, the SDK's own axios client) that
 * replaces the origin of `uri` with `TWILIO_API_BASE_URL` and leaves path, Basic auth, headers and the
 * form body untouched, so the stand-in sees exactly what Twilio would. The SDK's own 429 retries
 * (`autoRetry`) stay off: the delivery worker retries with its backoff.
 *
 * Classification: HTTP 429 and 5xx, network errors and timeouts are transient; any other 4xx
 * (invalid number 21211, unsubscribed recipient 21610, ...) is permanent.
 */
import twilio from 'twilio';
import { isNetworkError, type ProviderAccepted, ProviderError } from './errors.ts';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** A phone number (E.164) or a Messaging Service SID (`MG…`). */
  from: string;
  /** Where Twilio posts status changes (`POST /v1/providers/twilio/status` as seen from Twilio). */
  statusCallbackUrl?: string | undefined;
  /** Replaces `https://api.twilio.com` (stand-in, proxy); default: Twilio itself. */
  apiBaseUrl?: string | undefined;
  timeoutMs: number;
}

export interface SmsToSend {
  messageId: string;
  to: string;
  body: string;
}

export interface SmsProvider {
  readonly name: 'twilio';
  send(sms: SmsToSend): Promise<ProviderAccepted>;
  close(): void;
}

type RequestOptions<TData> = Parameters<twilio.RequestClient['request']>[0] & { data?: TData };

/** The SDK's HTTP client with every request sent to `baseUrl` instead of Twilio's hosts. */
class RebasedRequestClient extends twilio.RequestClient {
  readonly #base: URL;
  constructor(baseUrl: string, options: ConstructorParameters<typeof twilio.RequestClient>[0]) {
    super(options);
    this.#base = new URL(baseUrl);
  }
  override request<TData>(opts: RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    uri.protocol = this.#base.protocol;
    uri.host = this.#base.host;
    const prefix = this.#base.pathname.replace(/\/$/, '');
    if (prefix !== '') uri.pathname = `${prefix}${uri.pathname}`;
    return super.request<TData>({ ...opts, uri: uri.href });
  }
}

export function classifyTwilioError(error: unknown): ProviderError {
  if (error instanceof twilio.RestException) {
    const status = error.status;
    const code = error.code === undefined ? `http_${status}` : String(error.code);
    const transient = status === 429 || status >= 500;
    return new ProviderError(
      'twilio',
      transient ? 'transient' : 'permanent',
      code,
      `Twilio ${status} ${code}`,
      {
        cause: error,
      },
    );
  }
  if (isNetworkError(error)) {
    const code = String((error as { code?: unknown }).code ?? 'network');
    return new ProviderError('twilio', 'transient', code, 'Twilio unreachable', { cause: error });
  }
  return new ProviderError('twilio', 'transient', 'unknown', 'Twilio call failed', { cause: error });
}

export function createTwilioProvider(options: TwilioOptions): SmsProvider {
  const clientOptions = { timeout: options.timeoutMs, autoRetry: false, keepAlive: true };
  const httpClient =
    options.apiBaseUrl === undefined
      ? new twilio.RequestClient(clientOptions)
      : new RebasedRequestClient(options.apiBaseUrl, clientOptions);
  const client = twilio(options.accountSid, options.authToken, { httpClient, autoRetry: false });
  const sender = options.from.startsWith('MG')
    ? { messagingServiceSid: options.from }
    : { from: options.from };
  return {
    name: 'twilio',
    async send(sms) {
      try {
        const message = await client.messages.create({
          to: sms.to,
          body: sms.body,
          ...sender,
          ...(options.statusCallbackUrl === undefined ? {} : { statusCallback: options.statusCallbackUrl }),
        });
        if (typeof message.sid !== 'string' || message.sid === '') {
          throw new ProviderError('twilio', 'transient', 'no_sid', 'Twilio answered without a sid');
        }
        return { providerId: message.sid };
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        throw classifyTwilioError(error);
      }
    },
    close() {
      const agent = httpClient.axios.defaults.httpAgent as { destroy?: () => void } | undefined;
      agent?.destroy?.();
    },
  };
}
