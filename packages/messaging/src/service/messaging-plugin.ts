import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CloudEvent,
  COMMANDS_QUEUE_ID,
  type Command,
  deadLetterIdOf,
  inboxOf,
  parseCommand,
  parseEvent,
  physicalName,
  type ServiceName,
} from '@authplatform/contracts';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import {
  type ComplianceExportParts,
  createComplianceExportParts,
  defaultComplianceBucket,
} from '../compliance/export-parts.ts';
import { createConsumer } from '../consumer/consumer.ts';
import type { Consumer, ConsumerLogger, HandlerMap } from '../consumer/types.ts';
import { createOutboxRelay } from '../outbox/relay.ts';
import { bootstrapTopology } from '../topology/bootstrap.ts';
import { handlerCoverage } from './coverage.ts';

/**
 * The parts of a service-kit `ServiceContext` the plugin uses, stated structurally so messaging does
 * not depend on service-kit at run time.
 */
export interface MessagingServiceContext {
  config: {
    NODE_ENV: string;
    ENV_PREFIX: string;
    DATABASE_URL?: string | undefined;
    AWS_REGION: string;
    AWS_ENDPOINT_URL?: string | undefined;
    AWS_ACCESS_KEY_ID?: string | undefined;
    AWS_SECRET_ACCESS_KEY?: string | undefined;
    /** Bucket of data-subject export parts; default `<ENV_PREFIX>-authplatform-compliance`. */
    COMPLIANCE_EXPORT_BUCKET?: string | undefined;
  };
  database: { db: Kysely<unknown>; schema: string; kind: 'postgres' | 'pglite' };
  logger: ConsumerLogger;
  metrics: { registry: Registry };
}

export interface MessagingHandlers<DB> {
  /** Handlers of the events in the service's inbox queue (by CloudEvents type). */
  events?: HandlerMap<CloudEvent, DB>;
  /** Handlers of the commands queue (notifications only). */
  commands?: HandlerMap<Command, DB>;
}

/** What a handler factory gets to build its handlers from. */
export interface MessagingDeps {
  /** Where the service stores its part of a data-subject export (`audit.compliance.export_requested`). */
  complianceExports: ComplianceExportParts;
  /** The service's whole configuration (its own variables too, untyped here). */
  config: MessagingServiceContext['config'] & Readonly<Record<string, unknown>>;
  logger: ConsumerLogger;
}

/** Handlers, or a factory building them from the service's dependencies when the plugin starts. */
export type MessagingHandlersInput<DB> =
  | MessagingHandlers<DB>
  | ((deps: MessagingDeps) => MessagingHandlers<DB>);

export interface MessagingPluginResult {
  readiness: Record<string, () => Promise<{ ok: boolean; detail?: string }>>;
  stop: () => Promise<void>;
}

/**
 * Runs a service's side of the event backbone: the outbox relay (always: every service publishes)
 * and a consumer for its inbox queue and the commands queue when it has handlers for them.
 * The topology must exist (embedded runtime, LocalStack init hook, or the topology CLI).
 */
export function messagingPlugin<DB>(service: ServiceName, input: MessagingHandlersInput<DB> = {}) {
  return {
    name: 'messaging',
    async start(context: MessagingServiceContext): Promise<MessagingPluginResult> {
      const { config, database, logger } = context;
      const aws = awsConfigOf(config);
      // Created on first use, so the start-up checks below run before anything is opened.
      let s3: S3Client | undefined;
      let parts: ComplianceExportParts | undefined;
      const exportParts = (): ComplianceExportParts => {
        if (parts === undefined) {
          // S3 emulators (fauxqs, LocalStack) are addressed path-style; AWS itself virtual-hosted.
          s3 = new S3Client({ ...aws, forcePathStyle: config.AWS_ENDPOINT_URL !== undefined });
          parts = createComplianceExportParts({
            s3,
            bucket: config.COMPLIANCE_EXPORT_BUCKET ?? defaultComplianceBucket(config.ENV_PREFIX),
            // Like the topology: created on the spot outside production, an operator's job in production.
            createMissingBucket: config.NODE_ENV !== 'production',
          });
        }
        return parts;
      };
      const complianceExports: ComplianceExportParts = {
        get bucket() {
          return exportParts().bucket;
        },
        put: (part) => exportParts().put(part),
      };
      const handlers = typeof input === 'function' ? input({ complianceExports, config, logger }) : input;
      const eventTypes = Object.keys(handlers.events ?? {});
      const coverage = handlerCoverage(service, eventTypes);
      if (coverage.unexpected.length > 0) {
        throw new Error(
          `${service} has handlers for types its inbox is not subscribed to: ${coverage.unexpected.join(', ')} ` +
            '(declare them in handledEvents of @authplatform/contracts)',
        );
      }
      if (eventTypes.length > 0 && coverage.missing.length > 0) {
        logger.warn('subscribed event types without a handler will be dead-lettered', {
          service,
          types: coverage.missing,
        });
      }
      const sns = new SNSClient(aws);
      const sqs = new SQSClient(aws);
      const prefix = config.ENV_PREFIX;
      const db = database.db as unknown as Kysely<DB>;

      const relay = createOutboxRelay({
        db: database.db,
        sns,
        sqs,
        prefix,
        schema: database.schema,
        logger,
        metrics: context.metrics.registry,
        ...(database.kind === 'postgres' && config.DATABASE_URL !== undefined
          ? { listen: { connectionString: config.DATABASE_URL } }
          : {}),
      });
      try {
        await relay.start();
      } catch (error) {
        sns.destroy();
        sqs.destroy();
        s3?.destroy();
        throw error;
      }

      const consumers: Consumer[] = [];
      const queueUrl = async (id: string) => {
        const name = physicalName(prefix, id);
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
        if (QueueUrl === undefined) throw new Error(`queue ${name} has no URL`);
        return QueueUrl;
      };
      const inbox = inboxOf(service);
      const consumesEvents =
        inbox !== undefined && handlers.events !== undefined && Object.keys(handlers.events).length > 0;
      const consumesCommands = handlers.commands !== undefined && Object.keys(handlers.commands).length > 0;
      const expected = (consumesEvents ? 1 : 0) + (consumesCommands ? 1 : 0);

      const createConsumers = async (): Promise<Consumer[]> => {
        const created: Consumer[] = [];
        if (consumesEvents && inbox !== undefined && handlers.events !== undefined) {
          created.push(
            createConsumer<CloudEvent, DB>({
              db,
              sqs,
              queueUrl: await queueUrl(inbox.id),
              dlqUrl: await queueUrl(inbox.deadLetter.id),
              parse: (body) => parseEvent(body),
              handlers: handlers.events,
              logger,
              // Within the service's 10 s shutdown, after the HTTP server's 4 s.
              stopTimeoutMs: 3_000,
              metrics: context.metrics.registry,
            }),
          );
        }
        if (consumesCommands && handlers.commands !== undefined) {
          created.push(
            createConsumer<Command, DB>({
              db,
              sqs,
              queueUrl: await queueUrl(COMMANDS_QUEUE_ID),
              dlqUrl: await queueUrl(deadLetterIdOf(COMMANDS_QUEUE_ID)),
              parse: (body) => parseCommand(body),
              handlers: handlers.commands,
              deduplicationKey: (command) => command.idempotency_key,
              logger,
              stopTimeoutMs: 3_000,
              metrics: context.metrics.registry,
            }),
          );
        }
        return created;
      };

      // The service starts whether or not the broker answers (its /readyz says so): consumers are
      // connected in the background, retrying with backoff. Outside production a missing topology is
      // created on the spot (tests, a fresh embedded broker); in production it is an operator's job.
      let stopped = false;
      const stopping = new AbortController();
      let lastError: string | undefined;
      let firstAttempt: () => void = () => {};
      const firstAttemptDone = new Promise<void>((resolve) => {
        firstAttempt = resolve;
      });
      const connecting = (async () => {
        if (expected === 0) return;
        for (let attempt = 0; !stopped; attempt++) {
          try {
            const created = await createConsumers();
            if (stopped) return;
            consumers.push(...created);
            for (const consumer of created) consumer.start();
            lastError = undefined;
            firstAttempt();
            return;
          } catch (error) {
            lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            const missing = error instanceof Error && error.name === 'QueueDoesNotExist';
            if (missing && config.NODE_ENV !== 'production') {
              try {
                await bootstrapTopology({ sns, sqs, prefix, logger });
                continue;
              } catch (bootstrapError) {
                lastError = `topology: ${bootstrapError instanceof Error ? bootstrapError.message : String(bootstrapError)}`;
              }
            }
            logger.warn('consumers not connected yet; retrying', { service, error: lastError, attempt });
            firstAttempt();
            await sleep(Math.min(30_000, 500 * 2 ** attempt), undefined, { signal: stopping.signal }).catch(
              () => undefined,
            );
          }
        }
      })().finally(() => firstAttempt());
      // Normally the consumers run before the server takes requests; a broker that does not answer
      // delays the start by one attempt only.
      await firstAttemptDone;

      return {
        readiness: {
          messaging: async () =>
            stopped
              ? { ok: false, detail: 'stopped' }
              : consumers.length === expected && consumers.every((c) => c.running)
                ? { ok: true, detail: `relay running, ${consumers.length} consumer(s) running` }
                : { ok: false, detail: `consumers not running${lastError ? ` (${lastError})` : ''}` },
        },
        async stop() {
          stopped = true;
          stopping.abort();
          await connecting;
          await Promise.all(consumers.map((c) => c.stop()));
          await relay.stop();
          sns.destroy();
          sqs.destroy();
          s3?.destroy();
        },
      };
    },
  };
}

/** The AWS SDK client configuration of a service (endpoint and static credentials only when set). */
function awsConfigOf(config: MessagingServiceContext['config']) {
  return {
    region: config.AWS_REGION,
    ...(config.AWS_ENDPOINT_URL === undefined ? {} : { endpoint: config.AWS_ENDPOINT_URL }),
    ...(config.AWS_ACCESS_KEY_ID === undefined || config.AWS_SECRET_ACCESS_KEY === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: config.AWS_ACCESS_KEY_ID,
            secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
          },
        }),
  };
}
