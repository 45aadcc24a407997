/**
 * The consumer of `<prefix>-notifications-ses-events`: SES event JSON (not CloudEvents) parsed by
 * `parseSesEvent`, run through the messaging package's consumer (inbox deduplication keyed by a
 * hash of the body, heartbeats, backoff, dead-lettering of what does not parse), each event applied
 * in the consumer's transaction by `applySesFeedback`. Feedback about a message whose send is not
 * recorded yet fails the handler, so SQS delivers it again after a backoff.
 */
import { createHash } from 'node:crypto';
import {
  type Consumer,
  type ConsumerEvent,
  type ConsumerLogger,
  createConsumer,
} from '@authplatform/messaging';
import type { Kysely } from 'kysely';
import { parseSesEvent, type SesFeedback } from '../../domain/delivery/ses-events.ts';
import type { SqsClient } from '../../providers/aws-clients.ts';
import { applySesFeedback } from './apply-feedback.ts';

type Kind = SesFeedback['kind'];
export type SesFeedbackMessage = { id: string; type: Kind; feedback: SesFeedback };

export interface SesFeedbackConsumerOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the service's database holds more tables than delivery's.
  db: Kysely<any>;
  sqs: SqsClient;
  queueUrl: string;
  dlqUrl: string;
  logger: ConsumerLogger;
  metrics?: Parameters<typeof createConsumer>[0]['metrics'] | undefined;
  onEvent?: ((event: ConsumerEvent) => void) | undefined;
  waitTimeSeconds?: number;
  backoffBaseSec?: number;
}

export function parseSesFeedbackMessage(body: string) {
  const parsed = parseSesEvent(body);
  if (!parsed.ok) return { ok: false as const, reason: parsed.reason };
  const id = `ses:${createHash('sha256').update(body).digest('hex')}`;
  return { ok: true as const, value: { id, type: parsed.feedback.kind, feedback: parsed.feedback } };
}

export function createSesFeedbackConsumer(options: SesFeedbackConsumerOptions): Consumer {
  const apply = async (
    message: SesFeedbackMessage,
    { trx, log }: { trx: Kysely<unknown>; log: ConsumerLogger },
  ) => {
    const result = await applySesFeedback(trx, message.feedback);
    if (!result.applied && result.reason === 'unknown_message') {
      log.warn('SES event for a message this service does not know', { type: message.type });
    }
  };
  return createConsumer<SesFeedbackMessage, unknown>({
    db: options.db as Kysely<unknown>,
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    dlqUrl: options.dlqUrl,
    parse: parseSesFeedbackMessage,
    handlers: { delivery: apply, bounce: apply, complaint: apply, reject: apply, ignored: apply },
    logger: options.logger,
    stopTimeoutMs: 3_000,
    ...(options.waitTimeSeconds === undefined ? {} : { waitTimeSeconds: options.waitTimeSeconds }),
    backoff: { baseSec: options.backoffBaseSec ?? 1, maxSec: 300, jitter: true },
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
}
