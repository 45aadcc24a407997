import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';

/** A readiness probe that the SQS endpoint (fauxqs, LocalStack or AWS) answers an authenticated call. */
export function createBrokerProbe(options: { region: string; endpoint?: string; prefix: string }) {
  const client = new SQSClient({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    maxAttempts: 1,
  });
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
