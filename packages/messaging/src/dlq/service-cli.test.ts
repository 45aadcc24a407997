import { createEvent, exampleEvents, physicalName } from '@authplatform/contracts';
import { createAwsClients, type TestBroker, testBroker } from '@authplatform/test-kit';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { queueDepth } from '../testing/queues.ts';
import { bootstrapTopology } from '../topology/bootstrap.ts';
import { runServiceDlqCli } from './service-cli.ts';

describe("a service's DLQ command", () => {
  let broker: TestBroker;
  let prefix: string;
  let clients: ReturnType<typeof createAwsClients>;
  let urls: { queueUrls: Record<string, string>; dlqUrls: Record<string, string> };

  beforeAll(async () => {
    broker = testBroker();
    prefix = broker.prefix.replace(/-+$/, '');
    clients = createAwsClients(broker);
    urls = await bootstrapTopology({ sns: clients.sns, sqs: clients.sqs, prefix });
  }, 60_000);

  afterAll(async () => {
    await broker?.cleanup();
  });

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runServiceDlqCli(argv, {
      sqs: clients.sqs,
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: {},
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it("finds the service's own dead-letter queue from the topology, lists and redrives it", async () => {
    const example = exampleEvents('identity.user.registered')[0];
    if (example === undefined) throw new Error('no example');
    const event = createEvent('identity.user.registered', example.data as never, {
      subject: example.subject,
    });
    const dlqUrl = urls.dlqUrls['audit-inbox'];
    const queueUrl = urls.queueUrls['audit-inbox'];
    if (dlqUrl === undefined || queueUrl === undefined) throw new Error('topology without audit-inbox');
    expect(dlqUrl).toContain(physicalName(prefix, 'audit-inbox-dlq'));
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify(event) }));

    const listed = await run('audit', '--prefix', prefix, 'list');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(event.id);

    const redriven = await run('audit', '--prefix', prefix, 'redrive', '--all');
    expect(redriven.code).toBe(0);
    expect((await queueDepth(clients.sqs, queueUrl)).visible).toBe(1);
    expect((await queueDepth(clients.sqs, dlqUrl)).visible).toBe(0);
  });

  it('refuses an unknown service', async () => {
    expect((await run('billing', 'list')).code).toBe(2);
  });
});
