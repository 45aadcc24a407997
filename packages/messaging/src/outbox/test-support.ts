import net from 'node:net';
import { type CloudEvent, type Command, physicalName, uuidv7 } from '@authplatform/contracts';
import type { AwsClients } from '@authplatform/test-kit';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';

/** A CloudEvent for tests (UUIDv7 id, like `createEvent` makes, without validating `data`). */
export function testEvent(
  type: string,
  data: Record<string, unknown> = {},
  traceparent?: string,
): CloudEvent {
  const event: CloudEvent = {
    specversion: '1.0',
    id: uuidv7(),
    source: `/services/${type.split('.')[0]}`,
    type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: `https://schemas.authplatform.dev/${type}/1.json`,
    data,
  };
  if (traceparent) event.traceparent = traceparent;
  return event;
}

export function testCommand(type: string, data: Record<string, unknown> = {}): Command {
  const id = uuidv7();
  return { id, type, time: new Date().toISOString(), idempotency_key: `key-${id}`, data };
}

/** Creates topic `<prefix>-<topicId>` and a queue subscribed to it with raw message delivery. */
export async function wireTopic(
  clients: AwsClients,
  prefix: string,
  topicId: string,
): Promise<{ topicArn: string; queueUrl: string }> {
  const { TopicArn } = await clients.sns.send(
    new CreateTopicCommand({ Name: physicalName(prefix, topicId) }),
  );
  const queueUrl = await createQueue(clients, physicalName(prefix, `${topicId}-tap`));
  const attrs = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = attrs.Attributes?.QueueArn;
  if (!TopicArn || !queueArn) throw new Error('broker returned no topic ARN or queue ARN');
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { topicArn: TopicArn, queueUrl };
}

export async function createQueue(clients: AwsClients, name: string): Promise<string> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error(`broker returned no URL for queue ${name}`);
  return QueueUrl;
}

/**
 * Receives (and deletes) messages until `until(all received so far)` holds, then one more short
 * receive to catch stragglers (duplicates would show up there). Fails after `timeoutMs`.
 */
export async function receiveUntil(
  clients: AwsClients,
  queueUrl: string,
  until: (messages: Message[]) => boolean,
  timeoutMs = 10_000,
): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  const receive = async (wait: number) => {
    const r = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: wait,
        MessageAttributeNames: ['All'],
      }),
    );
    const batch = r.Messages ?? [];
    messages.push(...batch);
    if (batch.length > 0) {
      await clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    return batch.length;
  };
  while (!until(messages)) {
    if (Date.now() > deadline) {
      throw new Error(`receiveUntil: condition not met after ${timeoutMs} ms (${messages.length} received)`);
    }
    await receive(1);
  }
  while ((await receive(0)) > 0) {
    // drain what is already there
  }
  return messages;
}

/** Every message in the queue right now (long-polls once, then takes what is left). */
export async function receiveAvailable(clients: AwsClients, queueUrl: string): Promise<Message[]> {
  return receiveUntil(clients, queueUrl, () => true);
}

/**
 * A TCP port that refuses connections until `up()`, then forwards to `target`; `down()` refuses
 * again; `hang()` accepts connections and never answers (a broker that stopped responding).
 */
export interface FlakyEndpoint {
  /** `http://127.0.0.1:<port>`: give it to an SDK client as its endpoint. */
  endpoint: string;
  up(): Promise<void>;
  hang(): Promise<void>;
  down(): Promise<void>;
  /** Connections accepted while up. */
  readonly connections: number;
}

export async function flakyEndpoint(target: string): Promise<FlakyEndpoint> {
  const { hostname, port: targetPort } = new URL(target);
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const port = address.port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  let server: net.Server | undefined;
  let forwarding = false;
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const listen = async (forward: boolean) => {
    forwarding = forward;
    if (server) return;
    const s = net.createServer((client) => {
      connections += 1;
      sockets.add(client);
      client.on('error', () => client.destroy()).on('close', () => sockets.delete(client));
      if (!forwarding) return; // accept, read nothing, answer nothing
      const upstream = net.connect(Number(targetPort), hostname);
      sockets.add(upstream);
      const forget = () => {
        sockets.delete(client);
        sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', forget);
      upstream.on('error', forget).on('close', forget);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    server = s;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    up: () => listen(true),
    hang: () => listen(false),
    async down() {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

/** Resolves when `check()` returns true; polls every `everyMs`; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 10) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
