import { bootstrapTopology } from '@authplatform/messaging';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Creates the platform's topics, queues, dead-letter queues and subscriptions on the embedded broker
 * (idempotent: on an existing `.data/fauxqs` it changes nothing), before any service starts.
 */
export async function createTopology(brokerUrl: string, prefix: string, region: string): Promise<string[]> {
  const aws = {
    region,
    endpoint: brokerUrl,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const sns = new SNSClient(aws);
  const sqs = new SQSClient(aws);
  try {
    const result = await bootstrapTopology({ sns, sqs, prefix });
    return result.changes;
  } finally {
    sns.destroy();
    sqs.destroy();
  }
}
