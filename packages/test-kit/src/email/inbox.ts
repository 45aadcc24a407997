import { TestKitError } from '../errors.ts';

/** One mail captured by aws-ses-v2-local (`GET /store`). */
export interface InboxEmail {
  messageId: string;
  from: string;
  replyTo?: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  /** Unix seconds. */
  at: number;
  headers?: Array<{ name: string; value: string }>;
  attachments?: Array<{ content: string; contentType: string; filename?: string; size: number }>;
}

export interface ReadInboxOptions {
  /** Only mail captured at or after this Unix time (seconds). */
  since?: number;
}

/**
 * Every mail the SES emulator at `endpoint` holds (all suites of the run share it; filter by
 * recipient, or use `testEmail().readInbox()` which does). Throws `inbox_unavailable`.
 */
export async function readInbox(endpoint: string, options: ReadInboxOptions = {}): Promise<InboxEmail[]> {
  const url = new URL('/store', endpoint);
  if (options.since !== undefined) url.searchParams.set('since', String(Math.floor(options.since)));
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new TestKitError('inbox_unavailable', `Cannot reach the SES emulator at ${url.origin}.`, err);
  }
  if (!response.ok) {
    throw new TestKitError('inbox_unavailable', `GET ${url.pathname} answered ${response.status}.`);
  }
  const body = (await response.json()) as { emails?: unknown };
  if (!Array.isArray(body.emails)) {
    throw new TestKitError(
      'inbox_unavailable',
      `GET ${url.pathname} returned no "emails" list (not aws-ses-v2-local?).`,
    );
  }
  return body.emails as InboxEmail[];
}

/** Whether any recipient (to, cc, bcc) of the mail satisfies `match`. */
export function isAddressedTo(mail: InboxEmail, match: (address: string) => boolean): boolean {
  const { to, cc, bcc } = mail.destination;
  return [...to, ...cc, ...bcc].some((a) => match(a));
}
