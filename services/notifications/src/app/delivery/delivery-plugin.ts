/**
 * `deliveryPlugin({ renderer })`: runs delivery beside the HTTP API — registers the settings
 * `queueMessage` uses, starts the delivery worker (SES for email; Twilio, or the dev outbox, for
 * SMS) and the consumer of SES feedback, reports both in `/readyz`, and stops them on shutdown
 * (the worker finishes the sends in flight and records their outcomes).
 */
import { deadLetterIdOf, physicalName, SES_EVENTS_QUEUE_ID } from '@authplatform/contracts';
import { bootstrapTopology, type Consumer, type ConsumerEvent } from '@authplatform/messaging';
import { awsClientConfig, type ServiceContext, type ServicePlugin } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { createSnsClient, createSqsClient, queueUrlOf } from '../../providers/aws-clients.ts';
import { createSesProvider } from '../../providers/ses.ts';
import { createTwilioProvider } from '../../providers/twilio.ts';
import type { MessageRow } from '../../store/messages/messages-store.ts';
import { type DeliveryConfigValues, deliveryConfigProblems } from './delivery-config.ts';
import { deliverySettingsFrom, registerDeliverySettings } from './delivery-settings.ts';
import { createDeliveryWorker } from './delivery-worker.ts';
import type { FindTemplateOverride, MessageRenderer } from './renderer.ts';
import type { SendResult } from './send-message.ts';
import { createSesFeedbackConsumer } from './ses-feedback-consumer.ts';

/** The configuration delivery reads (deliveryConfig merged into the service's schema). */
export interface DeliveryPluginConfig extends DeliveryConfigValues {
  ENV_PREFIX: string;
  AWS_REGION: string;
  AWS_ENDPOINT_URL?: string | undefined;
  AWS_ACCESS_KEY_ID?: string | undefined;
  AWS_SECRET_ACCESS_KEY?: string | undefined;
  SES_ENDPOINT_URL?: string | undefined;
  SES_CONFIGURATION_SET?: string | undefined;
  SES_FEEDBACK_ENABLED: boolean;
  OTP_MAX_PER_RECIPIENT_PER_HOUR: number;
  OTP_MAX_PER_USER_PER_HOUR: number;
  DELIVERY_MAX_ATTEMPTS: number;
  DELIVERY_RETRY_BASE_MS: number;
  DELIVERY_RETRY_MAX_MS: number;
  DELIVERY_CONCURRENCY: number;
  DELIVERY_POLL_INTERVAL_MS: number;
}

export interface DeliveryPluginOptions {
  /** The template renderer (`createTemplateRenderer()` of src/domain/templates). */
  renderer: MessageRenderer;
  /** An admin's template override of (key, locale), looked up at send time. */
  findOverride?: FindTemplateOverride;
  /** Observers for tests and instrumentation. */
  onOutcome?: (message: MessageRow, result: SendResult) => void;
  onFeedbackEvent?: (event: ConsumerEvent) => void;
  /** SES feedback long-poll (1–20 s, default 20); tests shorten it so stop() is quick. */
  feedbackWaitTimeSeconds?: number;
}

export function deliveryPlugin<P extends TProperties>(options: DeliveryPluginOptions): ServicePlugin<P> {
  return {
    name: 'delivery',
    async start(context: ServiceContext<P>) {
      const config = context.config as unknown as DeliveryPluginConfig;
      const { logger } = context;
      const problems = deliveryConfigProblems(config);
      if (problems.length > 0) throw new Error(`delivery configuration: ${problems.join('; ')}`);
      // biome-ignore lint/suspicious/noExplicitAny: the service's database holds more tables than delivery's.
      const db = context.database.db as Kysely<any>;
      const aws = awsClientConfig(config as unknown as Parameters<typeof awsClientConfig>[0]);
      const settings = deliverySettingsFrom(config);
      const unregister = registerDeliverySettings(settings);

      const email = createSesProvider({
        region: aws.region,
        endpoint: config.SES_ENDPOINT_URL ?? aws.endpoint,
        credentials: aws.credentials,
        from: config.EMAIL_FROM,
        configurationSet: config.SES_CONFIGURATION_SET,
        timeoutMs: config.PROVIDER_TIMEOUT_MS,
      });
      const sms =
        config.TWILIO_ACCOUNT_SID !== undefined &&
        config.TWILIO_AUTH_TOKEN !== undefined &&
        config.TWILIO_FROM !== undefined
          ? createTwilioProvider({
              accountSid: config.TWILIO_ACCOUNT_SID,
              authToken: config.TWILIO_AUTH_TOKEN,
              from: config.TWILIO_FROM,
              statusCallbackUrl: config.TWILIO_STATUS_CALLBACK_URL,
              apiBaseUrl: config.TWILIO_API_BASE_URL,
              timeoutMs: config.PROVIDER_TIMEOUT_MS,
            })
          : undefined;
      if (sms === undefined && !config.DEV_OUTBOX) {
        logger.warn('SMS are not configured (TWILIO_* or DEV_OUTBOX): SMS messages will fail');
      }

      // Business metrics (spec: deliveries by status): send outcomes per channel and provider, and
      // the messages waiting (counted at scrape, from the partial index of queued rows).
      const outcomes = context.metrics.counter(
        'notifications_delivery_attempts_total',
        'Send attempts by channel, provider and result (sent, retry, failed, lost_claim)',
        ['channel', 'provider', 'result'],
      );
      context.metrics.gauge(
        'notifications_messages_queued',
        'Messages waiting to be sent',
        [],
        async (gauge) => {
          const row = await db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('status', '=', 'queued')
            .executeTakeFirst();
          gauge.set(Number(row?.n ?? 0));
        },
      );

      const worker = createDeliveryWorker({
        db,
        cipher: settings.cipher,
        renderer: options.renderer,
        findOverride: options.findOverride,
        email,
        sms,
        devOutbox: config.DEV_OUTBOX,
        retry: {
          maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
          baseDelayMs: config.DELIVERY_RETRY_BASE_MS,
          maxDelayMs: config.DELIVERY_RETRY_MAX_MS,
        },
        logger,
        concurrency: config.DELIVERY_CONCURRENCY,
        leaseMs: config.DELIVERY_LEASE_MS,
        pollIntervalMs: config.DELIVERY_POLL_INTERVAL_MS,
        onOutcome: (message, result) => {
          outcomes.inc({
            channel: message.channel,
            provider: message.channel === 'email' ? 'ses' : config.DEV_OUTBOX ? 'dev-outbox' : 'twilio',
            result,
          });
          options.onOutcome?.(message, result);
        },
      });
      worker.start();

      // SES feedback: connected in the background like the messaging consumers (the service starts
      // with the broker down; /readyz says so until the consumer runs).
      const sqs = config.SES_FEEDBACK_ENABLED ? createSqsClient(aws) : undefined;
      let consumer: Consumer | undefined;
      let lastError: string | undefined;
      let stopped = false;
      const stopping = new AbortController();
      let firstAttempt: () => void = () => {};
      const firstAttemptDone = new Promise<void>((resolve) => {
        firstAttempt = resolve;
      });
      const connecting = (async () => {
        if (sqs === undefined) return;
        const queueName = physicalName(config.ENV_PREFIX, SES_EVENTS_QUEUE_ID);
        for (let attempt = 0; !stopped; attempt++) {
          try {
            const queueUrl = await queueUrlOf(sqs, queueName);
            const dlqUrl = await queueUrlOf(
              sqs,
              physicalName(config.ENV_PREFIX, deadLetterIdOf(SES_EVENTS_QUEUE_ID)),
            );
            if (stopped) return;
            consumer = createSesFeedbackConsumer({
              db,
              sqs,
              queueUrl,
              dlqUrl,
              logger,
              metrics: context.metrics.registry,
              onEvent: options.onFeedbackEvent,
              ...(options.feedbackWaitTimeSeconds === undefined
                ? {}
                : { waitTimeSeconds: options.feedbackWaitTimeSeconds }),
            });
            consumer.start();
            lastError = undefined;
            firstAttempt();
            return;
          } catch (error) {
            lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            if (
              error instanceof Error &&
              error.name === 'QueueDoesNotExist' &&
              config.NODE_ENV !== 'production'
            ) {
              const sns = createSnsClient(aws);
              try {
                await bootstrapTopology({ sns, sqs, prefix: config.ENV_PREFIX, logger });
                continue;
              } catch (bootstrapError) {
                lastError = `topology: ${bootstrapError instanceof Error ? bootstrapError.message : String(bootstrapError)}`;
              } finally {
                sns.destroy();
              }
            }
            logger.warn('SES feedback consumer not connected yet; retrying', { error: lastError, attempt });
            firstAttempt();
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt));
              stopping.signal.addEventListener('abort', () => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
        }
      })().finally(() => firstAttempt());
      // Normally the consumer runs before the server takes requests; a broker that does not answer
      // delays the start by one attempt only.
      await firstAttemptDone;

      return {
        readiness: {
          delivery: async () =>
            worker.running ? { ok: true, detail: 'worker running' } : { ok: false, detail: 'worker stopped' },
          ...(sqs === undefined
            ? {}
            : {
                'ses-feedback': async () =>
                  consumer?.running === true
                    ? { ok: true }
                    : { ok: false, detail: `consumer not running${lastError ? ` (${lastError})` : ''}` },
              }),
        },
        async stop() {
          stopped = true;
          stopping.abort();
          await connecting;
          await consumer?.stop();
          await worker.stop();
          email.close();
          sms?.close();
          sqs?.destroy();
          unregister();
        },
      };
    },
  };
}
