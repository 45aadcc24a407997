/**
 * Test support for the webhooks service: local receivers that record every request and answer as told,
 * publishing events on the platform's topics, and the service started against the test's schema and
 * broker with a test token issuer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CloudEvent, physicalName } from '@authplatform/contracts';
import { createAwsClients, type TestBroker } from '@authplatform/test-kit';
import { CreateTopicCommand, PublishCommand } from '@aws-sdk/client-sns';

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** How to answer the next requests (default 204). */
  answer: (
    req: ReceivedRequest,
    n: number,
  ) => { status: number; headers?: Record<string, string>; body?: string } | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const receiver: Receiver = {
    url: '',
    requests,
    answer: () => ({ status: 204 }),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(received);
      const answer = receiver.answer(received, requests.length);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

export function eventPublisher(broker: TestBroker) {
  const aws = createAwsClients(broker);
  const prefix = broker.prefix.replace(/-+$/, '');
  const topics = new Map<string, string>();
  return {
    async publish(event: CloudEvent, copies = 1): Promise<void> {
      const producer = event.type.split('.')[0] ?? '';
      let arn = topics.get(producer);
      if (arn === undefined) {
        const created = await aws.sns.send(
          new CreateTopicCommand({ Name: physicalName(prefix, `${producer}-events`) }),
        );
        arn = created.TopicArn ?? '';
        topics.set(producer, arn);
      }
      for (let i = 0; i < copies; i += 1) {
        await aws.sns.send(
          new PublishCommand({
            TopicArn: arn,
            Message: JSON.stringify(event),
            MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
          }),
        );
      }
    },
    destroy: () => aws.destroy(),
  };
}
