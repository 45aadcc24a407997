import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClientConfig } from './aws.ts';

/** A readiness probe that the SQS endpoint (fauxqs, LocalStack or AWS) answers an authenticated call. */
export function createBrokerProbe(options: { aws: AwsClientConfig; prefix: string }) {
  const client = new SQSClient({ ...options.aws, maxAttempts: 1 });
  return {
    async probe(): Promise<{ ok: boolean; detail?: string }> {
      try {
        await client.send(new ListQueuesCommand({ QueueNamePrefix: options.prefix, MaxResults: 1 }), {
          abortSignal: AbortSignal.timeout(2_000),
        });
        return { ok: true };
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        return { ok: false, detail: `SQS did not answer (${name})` };
      }
    },
    close(): void {
      client.destroy();
    },
  };
}
