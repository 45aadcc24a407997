/**
 * Environment variables of message delivery, merged into the notifications service's config schema
 * (`Type.Object({ ...deliveryConfig, ... })` in config.ts), and the settings refused in production.
 */
import { Type } from '@sinclair/typebox';

/** Base64 (standard or url-safe alphabet) of exactly 32 bytes: 43 characters plus optional padding. */
const BASE64_32_BYTES = '^[A-Za-z0-9+/_-]{43}=?$';
const httpUrl = (description: string) => Type.String({ format: 'uri', pattern: '^https?://', description });

export const DEFAULT_EMAIL_FROM = 'Authplatform <no-reply@authplatform.localhost>';

export const deliveryConfig = {
  MESSAGE_DATA_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      pattern: BASE64_32_BYTES,
      secret: true,
      description:
        'AES-256-GCM key of the template data (links, codes) kept while a message waits to be sent: base64 of 32 ' +
        'random bytes (`openssl rand -base64 32`). Required in production; in development a fixed, public ' +
        'development key is used when absent.',
    }),
  ),
  EMAIL_FROM: Type.String({
    minLength: 3,
    maxLength: 320,
    default: DEFAULT_EMAIL_FROM,
    description: 'Sender of every email (an SES verified identity), e.g. `Acme <no-reply@acme.com>`',
  }),
  SES_ENDPOINT_URL: Type.Optional(
    httpUrl('SES endpoint override (aws-ses-v2-local, LocalStack); default AWS_ENDPOINT_URL, else AWS'),
  ),
  SES_CONFIGURATION_SET: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_-]{1,64}$',
      description:
        'SES configuration set named on every SendEmail; its event destination publishes delivery, bounce and ' +
        'complaint events to the `<prefix>-ses-events` SNS topic',
    }),
  ),
  SES_FEEDBACK_ENABLED: Type.Boolean({
    default: true,
    description: 'Consume the `<prefix>-notifications-ses-events` queue (delivery, bounce, complaint)',
  }),
  TWILIO_ACCOUNT_SID: Type.Optional(
    Type.String({ pattern: '^AC[0-9a-fA-F]{32}$', description: 'Twilio account SID' }),
  ),
  TWILIO_AUTH_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      secret: true,
      description:
        'Twilio auth token: authenticates API calls and validates X-Twilio-Signature of status callbacks',
    }),
  ),
  TWILIO_FROM: Type.Optional(
    Type.String({
      pattern: '^(\\+[1-9][0-9]{7,14}|MG[0-9a-fA-F]{32})$',
      description: 'Sender of SMS: an E.164 number or a Messaging Service SID',
    }),
  ),
  TWILIO_STATUS_CALLBACK_URL: Type.Optional(
    httpUrl(
      'Public URL of `POST /v1/providers/twilio/status` as Twilio calls it (sent as StatusCallback and used to ' +
        'validate X-Twilio-Signature); without it no callback is asked for',
    ),
  ),
  TWILIO_API_BASE_URL: Type.Optional(
    httpUrl('Replaces https://api.twilio.com (a local stand-in or a proxy); must be https in production'),
  ),
  DEV_OUTBOX: Type.Boolean({
    default: false,
    description:
      'Development: SMS go to the dev outbox (`GET /v1/dev/outbox`, the only place codes are readable) instead of ' +
      'Twilio. Refused in production',
  }),
  OTP_MAX_PER_RECIPIENT_PER_HOUR: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 5,
    description: 'One-time codes (template otp-code) accepted per recipient address in any hour',
  }),
  OTP_MAX_PER_USER_PER_HOUR: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 5,
    description: 'One-time codes (template otp-code) accepted per user in any hour, all channels together',
  }),
  DELIVERY_MAX_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 50,
    default: 8,
    description: 'Provider calls per message, the first included, before a transient failure becomes final',
  }),
  DELIVERY_RETRY_BASE_MS: Type.Integer({
    minimum: 1,
    maximum: 3_600_000,
    default: 30_000,
    description: 'Backoff of the first retry (ceiling; full jitter), doubled per attempt',
  }),
  DELIVERY_RETRY_MAX_MS: Type.Integer({
    minimum: 1,
    maximum: 86_400_000,
    default: 900_000,
    description: 'Ceiling of any backoff between two attempts',
  }),
  DELIVERY_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 4,
    description: 'Messages a worker sends at once',
  }),
  DELIVERY_POLL_INTERVAL_MS: Type.Integer({
    minimum: 10,
    maximum: 600_000,
    default: 1_000,
    description: 'Fallback poll of due messages (a message queued in this process wakes the worker at once)',
  }),
  DELIVERY_LEASE_MS: Type.Integer({
    minimum: 1_000,
    maximum: 3_600_000,
    default: 60_000,
    description: 'How long a claimed message is invisible to other workers (must exceed PROVIDER_TIMEOUT_MS)',
  }),
  PROVIDER_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: 10_000,
    description: 'Timeout of one SES or Twilio call (a timeout is a transient error)',
  }),
};

/** The part of the service's config the delivery rules read. */
export interface DeliveryConfigValues {
  NODE_ENV: 'development' | 'test' | 'production';
  MESSAGE_DATA_ENCRYPTION_KEY?: string | undefined;
  EMAIL_FROM: string;
  TWILIO_ACCOUNT_SID?: string | undefined;
  TWILIO_AUTH_TOKEN?: string | undefined;
  TWILIO_FROM?: string | undefined;
  TWILIO_STATUS_CALLBACK_URL?: string | undefined;
  TWILIO_API_BASE_URL?: string | undefined;
  DEV_OUTBOX: boolean;
  DELIVERY_LEASE_MS: number;
  PROVIDER_TIMEOUT_MS: number;
}

/** Settings refused in production (`"VAR: reason"`), for `productionRules` of `defineService`. */
export function deliveryProductionRules(config: DeliveryConfigValues): string[] {
  const issues: string[] = [];
  if (config.MESSAGE_DATA_ENCRYPTION_KEY === undefined || config.MESSAGE_DATA_ENCRYPTION_KEY === '') {
    issues.push(
      'MESSAGE_DATA_ENCRYPTION_KEY: is required in production (without it pending links and codes are encrypted under the public development key)',
    );
  }
  if (config.DEV_OUTBOX) {
    issues.push(
      'DEV_OUTBOX: must be false in production (it would keep SMS codes readable over HTTP instead of sending them)',
    );
  }
  if (config.EMAIL_FROM === DEFAULT_EMAIL_FROM) {
    issues.push('EMAIL_FROM: is required in production (a verified SES identity of your domain)');
  }
  if (config.TWILIO_API_BASE_URL !== undefined && !config.TWILIO_API_BASE_URL.startsWith('https://')) {
    issues.push('TWILIO_API_BASE_URL: must use https in production (the auth token travels with every call)');
  }
  if (
    config.TWILIO_STATUS_CALLBACK_URL !== undefined &&
    !config.TWILIO_STATUS_CALLBACK_URL.startsWith('https://')
  ) {
    issues.push('TWILIO_STATUS_CALLBACK_URL: must use https in production');
  }
  return issues;
}

/**
 * Settings that are wrong in any environment (checked when delivery starts): Twilio credentials
 * come as a set, and a claim lease shorter than a provider call would let two workers send one message.
 */
export function deliveryConfigProblems(config: DeliveryConfigValues): string[] {
  const issues: string[] = [];
  const twilio = [config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN, config.TWILIO_FROM];
  if (twilio.some((v) => v !== undefined) && twilio.some((v) => v === undefined)) {
    issues.push('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM: set all three or none');
  }
  if (config.DELIVERY_LEASE_MS < config.PROVIDER_TIMEOUT_MS * 2) {
    issues.push('DELIVERY_LEASE_MS: must be at least twice PROVIDER_TIMEOUT_MS');
  }
  return issues;
}
