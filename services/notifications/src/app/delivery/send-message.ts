/**
 * Sends one claimed message: decrypts its template data, renders it (with an admin's override when
 * there is one), hands it to the provider (SES, Twilio, or the dev outbox for SMS), then records
 * the attempt and the outcome in one transaction with its event:
 * - accepted → `sent` (+ `notifications.message.sent`), template data deleted;
 * - transient error (throttling, 5xx, network) → another attempt after a jittered backoff, or
 *   `failed` / `retries_exhausted` (+ `.failed`) after the last one;
 * - permanent error → `failed` / `provider_rejected` at once (+ `.failed`); Twilio's "unsubscribed
 *   recipient" also suppresses the number;
 * - a template that does not render → `failed` / `render_failed`; an admin's override the renderer
 *   refuses (`template_invalid`) is skipped for the shipped template, with a warning.
 * The outcome is recorded only while this worker still holds its claim (same `attempts`), so a
 * worker that lost its lease records nothing twice.
 */
import { uuidv7 } from '@authplatform/contracts';
import type { Kysely } from 'kysely';
import { nextRetry, type RetryPolicy } from '../../domain/delivery/retry.ts';
import { TWILIO_UNSUBSCRIBED_CODES } from '../../domain/delivery/twilio-status.ts';
import { type RenderInput, TemplateError } from '../../domain/templates/index.ts';
import { ProviderError } from '../../providers/errors.ts';
import type { EmailProvider } from '../../providers/ses.ts';
import type { SmsProvider } from '../../providers/twilio.ts';
import {
  addSuppression,
  insertAttempt,
  insertDevOutbox,
  type MessageRow,
  messagesDb,
  recordOutcome,
} from '../../store/messages/messages-store.ts';
import type { DataCipher } from './data-cipher.ts';
import { publishFailed, publishSent } from './message-events.ts';
import type { FindTemplateOverride, MessageRenderer, TemplateOverrideSource } from './renderer.ts';

export interface DeliveryLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface SendDeps {
  // biome-ignore lint/suspicious/noExplicitAny: the service's database holds more tables than delivery's.
  db: Kysely<any>;
  cipher: DataCipher;
  renderer: MessageRenderer;
  findOverride?: FindTemplateOverride | undefined;
  email: EmailProvider | undefined;
  sms: SmsProvider | undefined;
  devOutbox: boolean;
  retry: RetryPolicy;
  logger: DeliveryLogger;
  random?: () => number;
}

export type SendResult = 'sent' | 'retry' | 'failed' | 'lost_claim';

type Rendered = { provider: string; deliver: () => Promise<{ providerId: string }> };

class RenderError extends Error {
  override name = 'RenderError';
}

/**
 * The admin's override for the locale the renderer resolves the message's locale to (`pt-BR` →
 * `pt-BR`, else `pt`, else `en`, as shipped), so the override and the shipped template it replaces
 * are of the same locale.
 */
async function findOverride(
  deps: SendDeps,
  key: string,
  locale: string,
): Promise<{ locale: string; override: TemplateOverrideSource | undefined }> {
  const resolved =
    deps.renderer.resolveLocale === undefined ? locale : await deps.renderer.resolveLocale(locale);
  if (deps.findOverride === undefined) return { locale: resolved, override: undefined };
  return { locale: resolved, override: await deps.findOverride(deps.db, key, resolved) };
}

async function prepare(deps: SendDeps, message: MessageRow): Promise<Rendered> {
  if (message.data_ciphertext === null) throw new RenderError('the message holds no template data');
  let data: Record<string, unknown>;
  try {
    data = deps.cipher.decrypt(message.id, message.data_ciphertext);
  } catch (error) {
    throw new RenderError('the template data cannot be decrypted', { cause: error });
  }
  const { locale, override } = await findOverride(deps, message.template_key, message.locale);
  const shippedInput = {
    key: message.template_key,
    locale,
    ...(message.timezone === null ? {} : { timezone: message.timezone }),
    data,
  };
  const input = override === undefined ? shippedInput : { ...shippedInput, override };
  /**
   * Renders with the override; if the renderer refuses it (`template_invalid`: e.g. it would put a
   * secret where a mail client loads it, in a branch validation did not see, or it was saved before
   * a rule existed), the shipped template is used instead, so a reset or a security alert is still
   * sent, safely. The issues are logged (field names only, never values).
   */
  const withFallback = async <T>(render: (i: RenderInput) => T | Promise<T>): Promise<T> => {
    try {
      return await render(input);
    } catch (error) {
      if (override === undefined || !(error instanceof TemplateError) || error.code !== 'template_invalid')
        throw error;
      deps.logger.warn('template override refused; the shipped template is used', {
        messageId: message.id,
        templateKey: message.template_key,
        locale,
        issues: error.issues.map((i) => `${i.part}: ${i.message}`),
      });
      return render(shippedInput);
    }
  };
  if (message.channel === 'email') {
    const email = deps.email;
    if (email === undefined)
      throw new ProviderError('ses', 'permanent', 'not_configured', 'no email provider');
    let rendered: { subject: string; html: string; text: string };
    try {
      rendered = await withFallback((i) => deps.renderer.renderEmail(i));
    } catch (error) {
      throw new RenderError(`template ${message.template_key} did not render`, { cause: error });
    }
    return {
      provider: email.name,
      deliver: () => email.send({ messageId: message.id, to: message.recipient, ...rendered }),
    };
  }
  let text: string;
  try {
    text = (await withFallback((i) => deps.renderer.renderSms(i))).text;
  } catch (error) {
    throw new RenderError(`template ${message.template_key} did not render`, { cause: error });
  }
  if (deps.devOutbox) {
    const id = uuidv7();
    return {
      provider: 'dev-outbox',
      deliver: async () => {
        await insertDevOutbox(messagesDb(deps.db), {
          id,
          messageId: message.id,
          channel: 'sms',
          recipient: message.recipient,
          templateKey: message.template_key,
          body: text,
        });
        return { providerId: id };
      },
    };
  }
  const sms = deps.sms;
  if (sms === undefined)
    throw new ProviderError(
      'twilio',
      'permanent',
      'not_configured',
      'no SMS provider (set TWILIO_* or DEV_OUTBOX)',
    );
  return {
    provider: sms.name,
    deliver: () => sms.send({ messageId: message.id, to: message.recipient, body: text }),
  };
}

export async function sendClaimedMessage(deps: SendDeps, message: MessageRow): Promise<SendResult> {
  const claim = { id: message.id, attempts: message.attempts };
  const startedAt = new Date();
  const log = {
    message_id: message.id,
    channel: message.channel,
    template: message.template_key,
    attempt: message.attempts,
  };
  let provider = message.channel === 'email' ? 'ses' : deps.devOutbox ? 'dev-outbox' : 'twilio';
  let accepted: { providerId: string } | undefined;
  let failure: unknown;
  try {
    const rendered = await prepare(deps, message);
    provider = rendered.provider;
    accepted = await rendered.deliver();
  } catch (error) {
    failure = error;
  }

  return deps.db.transaction().execute(async (trx) => {
    const db = messagesDb(trx);
    if (accepted !== undefined) {
      await insertAttempt(db, {
        messageId: message.id,
        attempt: message.attempts,
        provider,
        outcome: 'sent',
        providerId: accepted.providerId,
        errorCode: null,
        errorMessage: null,
        startedAt,
      });
      const row = await recordOutcome(db, claim, { kind: 'sent', provider, providerId: accepted.providerId });
      if (row === undefined) return lostClaim(deps, log);
      await publishSent(trx, row);
      deps.logger.info('message sent', { ...log, provider });
      return 'sent';
    }

    if (failure instanceof RenderError) {
      const row = await recordOutcome(db, claim, {
        kind: 'failed',
        provider: null,
        failureCode: 'render_failed',
        failureReason: failure.message,
      });
      if (row === undefined) return lostClaim(deps, log);
      await publishFailed(trx, row, failure.message);
      deps.logger.error('message not rendered', { ...log, err: failure.cause ?? failure });
      return 'failed';
    }

    const error =
      failure instanceof ProviderError
        ? failure
        : new ProviderError(
            provider,
            'transient',
            'unexpected',
            failure instanceof Error ? failure.name : 'error',
            {
              cause: failure,
            },
          );
    const transient = error.kind === 'transient';
    await insertAttempt(db, {
      messageId: message.id,
      attempt: message.attempts,
      provider,
      outcome: transient ? 'transient_error' : 'permanent_error',
      providerId: null,
      errorCode: error.code,
      errorMessage: error.message,
      startedAt,
    });
    if (transient) {
      const next = nextRetry(message.attempts, deps.retry, deps.random);
      if (next.retry) {
        const row = await recordOutcome(db, claim, {
          kind: 'retry',
          provider,
          nextAttemptAt: new Date(Date.now() + next.delayMs),
        });
        if (row === undefined) return lostClaim(deps, log);
        deps.logger.warn('message send failed; retrying', {
          ...log,
          provider,
          code: error.code,
          delay_ms: next.delayMs,
        });
        return 'retry';
      }
    }
    const reason = transient ? `${error.message} (after ${message.attempts} attempts)` : error.message;
    const row = await recordOutcome(db, claim, {
      kind: 'failed',
      provider,
      failureCode: transient ? 'retries_exhausted' : 'provider_rejected',
      failureReason: reason,
    });
    if (row === undefined) return lostClaim(deps, log);
    if (provider === 'twilio' && TWILIO_UNSUBSCRIBED_CODES.has(error.code)) {
      await addSuppression(db, {
        address: message.recipient,
        channel: 'sms',
        reason: 'unsubscribed',
        provider,
        messageId: message.id,
        detail: `Twilio ${error.code}`,
      });
    }
    await publishFailed(trx, row, reason);
    deps.logger.warn('message failed', { ...log, provider, code: error.code, transient });
    return 'failed';
  });
}

function lostClaim(deps: SendDeps, log: Record<string, unknown>): SendResult {
  // Another worker claimed the message after this one's lease ran out; its outcome stands.
  deps.logger.warn('message claim lost before its outcome was recorded', log);
  return 'lost_claim';
}
