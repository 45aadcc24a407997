/**
 * Email through Amazon SES (API v2 `SendEmail`, simple content), against `SES_ENDPOINT_URL` or
 * `AWS_ENDPOINT_URL` when set (aws-ses-v2-local in development, LocalStack in compose). Every mail
 * goes out with the configuration set whose event destination (SNS topic `ses-events`) reports
 * deliveries, bounces and complaints, and with the tag `message_id` so those events can be matched
 * even before the SES message id is recorded. The SDK's own retries are off (one call per attempt):
 * the delivery worker retries with its backoff.
 */
import { SESv2Client, SESv2ServiceException, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { MESSAGE_ID_TAG } from '../domain/delivery/ses-events.ts';
import { isNetworkError, type ProviderAccepted, ProviderError } from './errors.ts';

export interface SesOptions {
  region: string;
  endpoint?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  from: string;
  configurationSet?: string | undefined;
  timeoutMs: number;
}

export interface EmailToSend {
  messageId: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface EmailProvider {
  readonly name: 'ses';
  send(email: EmailToSend): Promise<ProviderAccepted>;
  close(): void;
}

/** SES exceptions worth another try later (throttling, sending paused, daily quota). */
const TRANSIENT_SES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'LimitExceededException',
  'SendingPausedException',
  'ServiceUnavailable',
  'InternalFailure',
]);

export function classifySesError(error: unknown): ProviderError {
  if (error instanceof SESv2ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    const transient = TRANSIENT_SES.has(error.name) || status === 429 || status >= 500;
    return new ProviderError(
      'ses',
      transient ? 'transient' : 'permanent',
      error.name,
      `SES ${status} ${error.name}`,
      {
        cause: error,
      },
    );
  }
  if (isNetworkError(error)) {
    const code = String((error as { code?: unknown }).code ?? (error as Error).name ?? 'network');
    return new ProviderError('ses', 'transient', code, 'SES unreachable', { cause: error });
  }
  // An SDK error without a service response (a 5xx the SDK could not parse, a broken body...).
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status !== undefined && status < 500 && status !== 429) {
    return new ProviderError('ses', 'permanent', `http_${status}`, `SES ${status}`, { cause: error });
  }
  return new ProviderError(
    'ses',
    'transient',
    status === undefined ? 'unknown' : `http_${status}`,
    'SES call failed',
    {
      cause: error,
    },
  );
}

export function createSesProvider(options: SesOptions): EmailProvider {
  const client = new SESv2Client({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: 1,
  });
  return {
    name: 'ses',
    async send(email) {
      try {
        const result = await client.send(
          new SendEmailCommand({
            FromEmailAddress: options.from,
            Destination: { ToAddresses: [email.to] },
            Content: {
              Simple: {
                Subject: { Data: email.subject, Charset: 'UTF-8' },
                Body: {
                  Html: { Data: email.html, Charset: 'UTF-8' },
                  Text: { Data: email.text, Charset: 'UTF-8' },
                },
              },
            },
            ...(options.configurationSet === undefined
              ? {}
              : { ConfigurationSetName: options.configurationSet }),
            EmailTags: [{ Name: MESSAGE_ID_TAG, Value: email.messageId }],
          }),
          { abortSignal: AbortSignal.timeout(options.timeoutMs) },
        );
        if (result.MessageId === undefined || result.MessageId === '') {
          throw new ProviderError('ses', 'transient', 'no_message_id', 'SES answered without a MessageId');
        }
        return { providerId: result.MessageId };
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        throw classifySesError(error);
      }
    },
    close() {
      client.destroy();
    },
  };
}
