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
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import { createConsumer } from '../consumer/consumer.ts';
import type { Consumer, ConsumerLogger, HandlerMap } from '../consumer/types.ts';
import { createOutboxRelay } from '../outbox/relay.ts';
import { handlerCoverage } from './coverage.ts';

/**
 * The parts of a service-kit `ServiceContext` the plugin uses, stated structurally so messaging does
 * not depend on service-kit at run time.
 */
export interface MessagingServiceContext {
  config: {
    ENV_PREFIX: string;
    DATABASE_URL?: string | undefined;
    AWS_REGION: string;
    AWS_ENDPOINT_URL?: string | undefined;
    AWS_ACCESS_KEY_ID?: string | undefined;
    AWS_SECRET_ACCESS_KEY?: string | undefined;
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

export interface MessagingPluginResult {
  readiness: Record<string, () => Promise<{ ok: boolean; detail?: string }>>;
  stop: () => Promise<void>;
}

/**
 * Runs a service's side of the event backbone: the outbox relay (always: every service publishes)
 * and a consumer for its inbox queue and the commands queue when it has handlers for them.
 * The topology must exist (embedded runtime, LocalStack init hook, or the topology CLI).
 */
export function messagingPlugin<DB>(service: ServiceName, handlers: MessagingHandlers<DB> = {}) {
  return {
    name: 'messaging',
    async start(context: MessagingServiceContext): Promise<MessagingPluginResult> {
      const { config, database, logger } = context;
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
      const aws = {
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
        throw error;
      }

      const consumers: Consumer[] = [];
      const queueUrl = async (id: string) => {
        const name = physicalName(prefix, id);
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
        if (QueueUrl === undefined) throw new Error(`queue ${name} has no URL`);
        return QueueUrl;
      };
      try {
        const inbox = inboxOf(service);
        if (inbox !== undefined && handlers.events !== undefined && Object.keys(handlers.events).length > 0) {
          consumers.push(
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
        if (handlers.commands !== undefined && Object.keys(handlers.commands).length > 0) {
          consumers.push(
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
      } catch (error) {
        await relay.stop();
        sns.destroy();
        sqs.destroy();
        throw error;
      }
      for (const consumer of consumers) consumer.start();

      let stopped = false;
      return {
        readiness: {
          messaging: async () =>
            stopped
              ? { ok: false, detail: 'stopped' }
              : consumers.every((c) => c.running)
                ? { ok: true, detail: `relay running, ${consumers.length} consumer(s) running` }
                : { ok: false, detail: 'a consumer is not running' },
        },
        async stop() {
          stopped = true;
          await Promise.all(consumers.map((c) => c.stop()));
          await relay.stop();
          sns.destroy();
          sqs.destroy();
        },
      };
    },
  };
}
