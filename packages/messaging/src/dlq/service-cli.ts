#!/usr/bin/env node
/**
 * The dead-letter CLI of one platform service: resolves its queue and dead-letter queue from the
 * topology and the environment prefix, then runs `runDlqCli`. Each service's `pnpm dlq` calls it:
 *
 *   pnpm --filter @authplatform/audit dlq list
 *   pnpm --filter @authplatform/notifications dlq -- --commands redrive --all
 *
 * Options: --prefix <env prefix> (default ENV_PREFIX or dev), --commands (the notifications-commands
 * queue instead of the service's inbox), --endpoint <url> / --region <r> (default AWS_ENDPOINT_URL,
 * else the embedded broker at http://127.0.0.1:4566), --aws (real AWS, default credential chain),
 * then the commands and options of `runDlqCli`.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  COMMANDS_QUEUE_ID,
  deadLetterIdOf,
  inboxOf,
  isServiceName,
  physicalName,
  type ServiceName,
} from '@authplatform/contracts';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DlqCliIo, runDlqCli } from './cli.ts';

export async function runServiceDlqCli(argv: readonly string[], io: DlqCliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const { sqs } = io;
  const err = io.stderr ?? ((text: string) => process.stderr.write(`${text}\n`));
  const [service, ...rest] = argv;
  if (service === undefined || !isServiceName(service)) {
    err(
      'usage: service-dlq <service> [--prefix <p>] [--commands] [--endpoint <url>|--aws] list|show <id>|redrive ...',
    );
    return 2;
  }
  const args = [...rest];
  const take = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const value = args[i + 1];
    args.splice(i, 2);
    return value;
  };
  const prefix = take('--prefix') ?? env.ENV_PREFIX ?? 'dev';
  const endpointFlag = take('--endpoint');
  const regionFlag = take('--region');
  const awsAt = args.indexOf('--aws');
  if (awsAt >= 0) args.splice(awsAt, 1);
  // Without an endpoint the CLI talks to the embedded broker of `npm start`, never to a real AWS
  // account by accident: `--aws` asks for AWS (the SDK's usual credentials).
  const endpoint = endpointFlag ?? env.AWS_ENDPOINT_URL ?? (awsAt >= 0 ? undefined : 'http://127.0.0.1:4566');
  const commandsAt = args.indexOf('--commands');
  if (commandsAt >= 0) args.splice(commandsAt, 1);
  const queueId = commandsAt >= 0 ? COMMANDS_QUEUE_ID : inboxOf(service as ServiceName)?.id;
  if (queueId === undefined) {
    err(`${service} consumes no events: it has no inbox queue`);
    return 2;
  }
  const client =
    sqs ??
    new SQSClient({
      region: regionFlag ?? env.AWS_REGION ?? 'us-east-1',
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(endpoint !== undefined && env.AWS_ACCESS_KEY_ID === undefined
        ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
        : {}),
    });
  try {
    const url = async (id: string) =>
      (await client.send(new GetQueueUrlCommand({ QueueName: physicalName(prefix, id) }))).QueueUrl ?? '';
    let queue: string;
    let dlq: string;
    try {
      queue = await url(queueId);
      dlq = await url(deadLetterIdOf(queueId));
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      err(`cannot find ${physicalName(prefix, queueId)} or its dead-letter queue (${reason})`);
      return 1;
    }
    return await runDlqCli(['--queue', queue, '--dlq', dlq, ...args], { ...io, sqs: client, env });
  } finally {
    if (sqs === undefined) client.destroy();
  }
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMain()) {
  process.exitCode = await runServiceDlqCli(process.argv.slice(2));
}
