#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type DeadLetter, listDeadLetters, redrive, showDeadLetter } from './dlq.ts';
import { DlqError } from './errors.ts';

export const DLQ_USAGE = `Usage: dlq --queue <url> --dlq <url> [--endpoint <url>] [--region <region>] [--json] <command>

Commands:
  list [--limit <n>]        the messages in the dead-letter queue, with the reason each is there
  show <id>                 one message in full (SQS message id or event id)
  redrive --all | <id>...   send messages back to the queue and delete them from the DLQ

The endpoint defaults to AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL, the region to AWS_REGION.
Exit codes: 0 done, 1 a message was not found or could not be redriven, 2 bad arguments.`;

export interface DlqCliIo {
  /** A client to use instead of one built from the flags and the environment (tests, services). */
  sqs?: SQSClient;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

function row(letter: DeadLetter): string {
  return [
    letter.sqsMessageId,
    letter.id ?? '-',
    letter.type ?? '-',
    letter.reason,
    letter.deadLetteredAt ?? letter.sentAt ?? '-',
    letter.detail ?? '',
  ].join('\t');
}

function details(letter: DeadLetter): string {
  const lines = [
    `sqs message id:   ${letter.sqsMessageId}`,
    `event id:         ${letter.id ?? '-'}`,
    `type:             ${letter.type ?? '-'}`,
    `reason:           ${letter.reason}`,
    `detail:           ${letter.detail ?? '-'}`,
    `source queue:     ${letter.sourceQueueUrl ?? '-'}`,
    `dead-lettered at: ${letter.deadLetteredAt ?? '-'}`,
    `receive count:    ${letter.receiveCount ?? '-'}`,
    `attributes:       ${JSON.stringify(letter.attributes)}`,
    'body:',
  ];
  let body = letter.body;
  try {
    body = JSON.stringify(JSON.parse(letter.body), null, 2);
  } catch {
    // Not JSON (often the reason it is here): print it as it is.
  }
  return `${lines.join('\n')}\n${body}`;
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        queue: { type: 'string' },
        dlq: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new DlqError('invalid_arguments', err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/**
 * The dead-letter CLI as a function: returns the exit code. Services wrap it in their own
 * `dlq` script with their queue URLs filled in.
 */
export async function runDlqCli(argv: readonly string[], io: DlqCliIo = {}): Promise<number> {
  const out = io.stdout ?? ((text: string) => process.stdout.write(`${text}\n`));
  const err = io.stderr ?? ((text: string) => process.stderr.write(`${text}\n`));
  const env = io.env ?? process.env;
  let sqs = io.sqs;
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      out(DLQ_USAGE);
      return 0;
    }
    const [command, ...rest] = positionals;
    if (values.dlq === undefined || values.dlq === '')
      throw new DlqError('invalid_arguments', '--dlq is required.');
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      throw new DlqError('invalid_arguments', '--limit must be a positive integer.');
    }
    const endpoint = values.endpoint ?? env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
    sqs ??= new SQSClient({
      region: values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(endpoint === undefined || endpoint === '' ? {} : { endpoint }),
    });
    const dlq = { sqs, dlqUrl: values.dlq };

    switch (command) {
      case 'list': {
        if (rest.length > 0) throw new DlqError('invalid_arguments', 'list takes no ids.');
        const letters = await listDeadLetters(dlq, limit === undefined ? {} : { limit });
        if (values.json) out(JSON.stringify(letters));
        else {
          out(['sqs_message_id', 'id', 'type', 'reason', 'dead_lettered_at', 'detail'].join('\t'));
          for (const letter of letters) out(row(letter));
          out(`${letters.length} message(s)`);
        }
        return 0;
      }
      case 'show': {
        const [id, ...extra] = rest;
        if (id === undefined || extra.length > 0)
          throw new DlqError('invalid_arguments', 'show takes one id.');
        const letter = await showDeadLetter(dlq, id);
        if (letter === undefined) {
          err(new DlqError('dead_letter_not_found', `No message ${id} in ${values.dlq}.`).message);
          return 1;
        }
        out(values.json ? JSON.stringify(letter) : details(letter));
        return 0;
      }
      case 'redrive': {
        if (values.queue === undefined || values.queue === '') {
          throw new DlqError('invalid_arguments', 'redrive needs --queue (where messages go back to).');
        }
        if (values.all === rest.length > 0) {
          throw new DlqError('invalid_arguments', 'redrive takes either --all or one or more ids.');
        }
        const outcome = await redrive(
          { ...dlq, queueUrl: values.queue },
          values.all ? { all: true } : { ids: rest },
        );
        if (values.json) {
          out(
            JSON.stringify({
              redriven: outcome.redriven.map((l) => ({
                sqsMessageId: l.sqsMessageId,
                id: l.id,
                type: l.type,
              })),
              missing: outcome.missing,
              failed: outcome.failed.map((f) => ({ sqsMessageId: f.letter.sqsMessageId, error: f.error })),
            }),
          );
        } else {
          for (const letter of outcome.redriven) out(`redriven\t${letter.sqsMessageId}\t${letter.id ?? '-'}`);
          for (const id of outcome.missing) out(`missing\t${id}`);
          for (const f of outcome.failed) out(`failed\t${f.letter.sqsMessageId}\t${f.error}`);
          out(
            `${outcome.redriven.length} redriven, ${outcome.missing.length} missing, ${outcome.failed.length} failed`,
          );
        }
        return outcome.missing.length > 0 || outcome.failed.length > 0 ? 1 : 0;
      }
      default:
        throw new DlqError(
          'invalid_arguments',
          command === undefined ? 'No command.' : `Unknown command ${command}.`,
        );
    }
  } catch (error) {
    if (error instanceof DlqError && error.code === 'invalid_arguments') {
      err(`${error.message}\n\n${DLQ_USAGE}`);
      return 2;
    }
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    err(`${error instanceof Error ? error.message : String(error)}${cause}`);
    return 1;
  } finally {
    if (io.sqs === undefined) sqs?.destroy();
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
  process.exitCode = await runDlqCli(process.argv.slice(2));
}
