import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsEndpoint } from './test-broker.ts';

export interface AwsClients {
  sqs: SQSClient;
  sns: SNSClient;
  /** Closes the clients' sockets. */
  destroy(): void;
}

/**
 * Real AWS SDK clients pointed at the test broker. The endpoint is given explicitly, which also
 * stops the SQS client from sending requests to the host named in a queue URL.
 */
export function createAwsClients(target: AwsEndpoint): AwsClients {
  const config = { endpoint: target.endpoint, region: target.region, credentials: target.credentials };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  return {
    sqs,
    sns,
    destroy() {
      sqs.destroy();
      sns.destroy();
    },
  };
}
