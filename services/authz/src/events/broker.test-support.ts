/** The AWS SDK clients the event tests use to talk to the test broker (fauxqs: SQS and S3). */
import { physicalName } from '@authplatform/contracts';
import type { TestBroker } from '@authplatform/test-kit';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

export interface BrokerClients {
  /** Sends a CloudEvent to the authz inbox as SNS raw delivery would (attribute `type`). */
  deliver(event: { id: string; type: string }): Promise<void>;
  /** The text of an object at `s3://bucket/key`. */
  readObject(location: string): Promise<string>;
  destroy(): void;
}

export function brokerClients(broker: TestBroker): BrokerClients {
  const config = { endpoint: broker.endpoint, region: broker.region, credentials: broker.credentials };
  const sqs = new SQSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  let queueUrl: string | undefined;
  return {
    async deliver(event) {
      if (queueUrl === undefined) {
        const name = physicalName(broker.prefix.replace(/-+$/, ''), 'authz-inbox');
        const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
        if (out.QueueUrl === undefined) throw new Error(`queue ${name} has no URL`);
        queueUrl = out.QueueUrl;
      }
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(event),
          MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
        }),
      );
    },
    async readObject(location) {
      const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
      if (match === null) throw new Error(`not an s3 location: ${location}`);
      const out = await s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
      if (out.Body === undefined) throw new Error(`${location} has no body`);
      return out.Body.transformToString();
    },
    destroy() {
      sqs.destroy();
      s3.destroy();
    },
  };
}
