import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { TestingError } from './errors.ts';

export interface QueueWithDlq {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

export interface QueueWithDlqOptions {
  /** Queue name (give it the test broker's prefix); the DLQ is `<name>-dlq`. */
  name: string;
  /** Deliveries before SQS moves a message to the DLQ. Default 3. */
  maxReceiveCount?: number;
  /** The queue's default visibility timeout. Default 30 s. */
  visibilityTimeoutSec?: number;
}

async function arnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = out.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${queueUrl} has no QueueArn`);
  return arn;
}

/**
 * A standard queue and its dead-letter queue with a `RedrivePolicy`, for tests (services get theirs
 * from the topology bootstrap).
 */
export async function createQueueWithDlq(
  sqs: SQSClient,
  options: QueueWithDlqOptions,
): Promise<QueueWithDlq> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${options.name}-dlq` }));
  const dlqUrl = dlq.QueueUrl ?? '';
  const dlqArn = await arnOf(sqs, dlqUrl);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: options.name,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSec ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount ?? 3,
        }),
      },
    }),
  );
  const queueUrl = queue.QueueUrl ?? '';
  return { queueUrl, queueArn: await arnOf(sqs, queueUrl), dlqUrl, dlqArn };
}

export interface QueueDepth {
  /** Messages ready to be received. */
  visible: number;
  /** Received and neither deleted nor visible again. */
  inFlight: number;
  delayed: number;
}

/** The queue's approximate counters (exact on fauxqs). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const names: QueueAttributeName[] = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ];
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names }));
  const attr = (name: QueueAttributeName) => Number(out.Attributes?.[name] ?? 0);
  return {
    visible: attr('ApproximateNumberOfMessages'),
    inFlight: attr('ApproximateNumberOfMessagesNotVisible'),
    delayed: attr('ApproximateNumberOfMessagesDelayed'),
  };
}

export interface WaitUntilOptions {
  /** Default 10,000 ms. */
  timeoutMs?: number;
  /** Between checks. Default 25 ms. */
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/**
 * Resolves once `condition` holds, checking every `intervalMs`: for state that reports no event
 * (a queue's counters, a table). Rejects with `TestingError` `wait_timeout`.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: WaitUntilOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await condition()) return;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new TestingError('wait_timeout', `waited ${timeoutMs} ms for ${options.what ?? 'a condition'}.`, {
        cause: last,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
