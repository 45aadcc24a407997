/**
 * The SQS and SNS clients of the SES feedback consumer (and of the topology bootstrap it runs
 * outside production when its queue is missing).
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';

export type SqsClient = SQSClient;
export type SnsClient = SNSClient;

export interface AwsConfig {
  region: string;
  endpoint?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

export function createSnsClient(config: AwsConfig): SnsClient {
  return new SNSClient({
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
  });
}

export function createSqsClient(config: AwsConfig): SqsClient {
  return new SQSClient({
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
  });
}

/** The URL of a queue by name; throws the SDK's error (`QueueDoesNotExist`, ...). */
export async function queueUrlOf(client: SqsClient, name: string): Promise<string> {
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`queue ${name} has no URL`);
  return QueueUrl;
}
