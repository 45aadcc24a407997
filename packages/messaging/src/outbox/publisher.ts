import { physicalName } from '@authplatform/contracts';
import { ListTopicsCommand, PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  GetQueueUrlCommand,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MAX_MESSAGE_BYTES, messageBytes } from './enqueue.ts';
import { OutboxError } from './errors.ts';
import type { OutboxKind } from './schema.ts';

/** A row claimed by the relay, as it goes to the broker. */
export interface ClaimedRow {
  id: string;
  kind: OutboxKind;
  destination: string;
  type: string;
  traceparent: string | null;
  /** The JSON envelope (the `payload` column as text). */
  body: string;
  /** Attempts including this one. */
  attempts: number;
}

export interface RowFailure {
  row: ClaimedRow;
  error: string;
}

export interface PublishOutcome {
  sent: ClaimedRow[];
  /** Rows the broker refused (per entry, or the destination is missing or refused the call). */
  rejected: RowFailure[];
  /** Rows not sent because the broker could not be reached (the call itself failed). */
  unreachable: RowFailure[];
  /** The first error of an unreachable broker, for the log. */
  brokerError: unknown;
}

/** At most this many entries in one PublishBatch / SendMessageBatch. */
export const MAX_BATCH_ENTRIES = 10;

const errorText = (err: unknown): string => {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const prefix = err.name !== 'Error' ? `${err.name}: ` : typeof code === 'string' ? `${code}: ` : '';
    return `${prefix}${err.message}`.slice(0, 2000);
  }
  return String(err).slice(0, 2000);
};

/**
 * True when a failed call says something about its destination or its messages (a 4xx answer such
 * as NotFound or InvalidParameter), false when it says the broker is unavailable (network error,
 * 5xx, throttling): the relay then backs off as a whole.
 */
export function isDestinationError(err: unknown): boolean {
  if (err instanceof OutboxError) return err.code === 'destination_not_found';
  const e = err as { $fault?: unknown; name?: unknown };
  return e.$fault === 'client' && !/throttl|RequestLimitExceeded/i.test(String(e.name ?? ''));
}

const attributes = (row: ClaimedRow): Record<string, MessageAttributeValue> => {
  const attrs: Record<string, MessageAttributeValue> = {
    type: { DataType: 'String', StringValue: row.type },
  };
  if (row.traceparent !== null) attrs.traceparent = { DataType: 'String', StringValue: row.traceparent };
  return attrs;
};

/** Splits rows into broker calls of at most 10 entries and 256 KiB together. */
export function chunk(rows: readonly ClaimedRow[]): ClaimedRow[][] {
  const chunks: ClaimedRow[][] = [];
  let current: ClaimedRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = messageBytes(row.body, row.type, row.traceparent);
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_MESSAGE_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Sends claimed rows to their topics (PublishBatch) and queues (SendMessageBatch). */
export class Publisher {
  readonly #sns: SNSClient;
  readonly #sqs: SQSClient;
  readonly #prefix: string;
  readonly #topicArns = new Map<string, string>();
  readonly #queueUrls = new Map<string, string>();
  readonly #timeoutMs: number;
  #listing: Promise<void> | undefined;

  /** `timeoutMs` bounds every broker call (it is aborted then, and counts as broker unreachable). */
  constructor(sns: SNSClient, sqs: SQSClient, prefix: string, timeoutMs: number) {
    this.#sns = sns;
    this.#sqs = sqs;
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
  }

  #options() {
    return { abortSignal: AbortSignal.timeout(this.#timeoutMs) };
  }

  async #listTopics(): Promise<void> {
    let NextToken: string | undefined;
    do {
      const page = await this.#sns.send(new ListTopicsCommand({ NextToken }), this.#options());
      for (const t of page.Topics ?? []) {
        if (t.TopicArn) this.#topicArns.set(t.TopicArn.slice(t.TopicArn.lastIndexOf(':') + 1), t.TopicArn);
      }
      NextToken = page.NextToken;
    } while (NextToken);
  }

  /** ARN of topic `id` in this environment, looked up by name (ListTopics) and cached. */
  async topicArn(id: string): Promise<string> {
    const name = physicalName(this.#prefix, id);
    const known = this.#topicArns.get(name);
    if (known) return known;
    // Concurrent misses share one listing.
    this.#listing ??= this.#listTopics().finally(() => {
      this.#listing = undefined;
    });
    await this.#listing;
    const arn = this.#topicArns.get(name);
    if (!arn) throw new OutboxError('destination_not_found', `Topic ${name} does not exist.`);
    return arn;
  }

  /** URL of queue `id` in this environment (GetQueueUrl), cached. */
  async queueUrl(id: string): Promise<string> {
    const name = physicalName(this.#prefix, id);
    const known = this.#queueUrls.get(name);
    if (known) return known;
    let url: string | undefined;
    try {
      url = (await this.#sqs.send(new GetQueueUrlCommand({ QueueName: name }), this.#options())).QueueUrl;
    } catch (err) {
      if (isDestinationError(err)) {
        throw new OutboxError('destination_not_found', `Queue ${name} does not exist.`, { cause: err });
      }
      throw err;
    }
    if (!url) throw new OutboxError('destination_not_found', `Queue ${name} has no URL.`);
    this.#queueUrls.set(name, url);
    return url;
  }

  async #send(rows: ClaimedRow[]): Promise<{ ok: Set<string>; failed: Map<string, string> }> {
    const first = rows[0];
    if (!first) return { ok: new Set(), failed: new Map() };
    const byEntry = (entryId: string | undefined) =>
      entryId === undefined ? undefined : rows[Number(entryId)];
    let result: {
      Successful?: Array<{ Id?: string | undefined }> | undefined;
      Failed?:
        | Array<{ Id?: string | undefined; Code?: string | undefined; Message?: string | undefined }>
        | undefined;
    };
    if (first.kind === 'event') {
      const TopicArn = await this.topicArn(first.destination);
      result = await this.#sns.send(
        new PublishBatchCommand({
          TopicArn,
          PublishBatchRequestEntries: rows.map((r, i) => ({
            Id: String(i),
            Message: r.body,
            MessageAttributes: attributes(r),
          })),
        }),
        this.#options(),
      );
    } else {
      const QueueUrl = await this.queueUrl(first.destination);
      result = await this.#sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: rows.map((r, i) => ({
            Id: String(i),
            MessageBody: r.body,
            MessageAttributes: attributes(r),
          })),
        }),
        this.#options(),
      );
    }
    const ok = new Set<string>();
    const failed = new Map<string, string>();
    for (const s of result.Successful ?? []) {
      const row = byEntry(s.Id);
      if (row) ok.add(row.id);
    }
    for (const f of result.Failed ?? []) {
      const row = byEntry(f.Id);
      if (row && !ok.has(row.id))
        failed.set(row.id, `${f.Code ?? 'Failed'}: ${f.Message ?? ''}`.slice(0, 2000));
    }
    for (const r of rows) {
      if (!ok.has(r.id) && !failed.has(r.id))
        failed.set(r.id, 'NoResult: the broker did not report the entry');
    }
    return { ok, failed };
  }

  /** Publishes every row, each destination in calls of ≤ 10 entries, all calls concurrently. */
  async publish(rows: readonly ClaimedRow[]): Promise<PublishOutcome> {
    const groups = new Map<string, ClaimedRow[]>();
    for (const row of rows) {
      const key = `${row.kind}:${row.destination}`;
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    const outcome: PublishOutcome = { sent: [], rejected: [], unreachable: [], brokerError: undefined };
    const calls = [...groups.values()].flatMap(chunk);
    await Promise.all(
      calls.map(async (call) => {
        try {
          const { ok, failed } = await this.#send(call);
          for (const row of call) {
            if (ok.has(row.id)) outcome.sent.push(row);
            else outcome.rejected.push({ row, error: failed.get(row.id) ?? 'Failed' });
          }
        } catch (err) {
          const error = errorText(err);
          if (isDestinationError(err)) {
            const first = call[0];
            if (first?.kind === 'event')
              this.#topicArns.delete(physicalName(this.#prefix, first.destination));
            if (first?.kind === 'command')
              this.#queueUrls.delete(physicalName(this.#prefix, first.destination));
            for (const row of call) outcome.rejected.push({ row, error });
          } else {
            outcome.brokerError ??= err;
            for (const row of call) outcome.unreachable.push({ row, error });
          }
        }
      }),
    );
    return outcome;
  }
}
