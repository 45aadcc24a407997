/**
 * A local stand-in of Twilio's Messages API for tests and local runs: the real `twilio` SDK talks to
 * it (see providers/twilio.ts, TWILIO_API_BASE_URL).
 *
 * - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, HTTP Basic auth
 *   (account SID : auth token) → `201` with a Message resource as Twilio returns it (`sid` `SM…`,
 *   `status: queued`, ...); wrong credentials → `401` code 20003; another account's path → `403`
 *   20003; no `To`/`Body`/sender → `400` 21604/21602/21603; a `To` that is not E.164 → `400` 21211.
 *   Errors have Twilio's body `{ code, message, more_info, status }`.
 * - Told to fail: `failNext([{ status: 429, code: 20429 }, { status: 503, code: 20503 }, ...])` makes
 *   the next calls fail in order (transient or permanent, as Twilio answers them), `failFor(to, ...)`
 *   fails every call to one number (e.g. 21610 "unsubscribed").
 * - `sendStatus(sid, status, { errorCode })` posts Twilio's status callback to the message's
 *   `StatusCallback` URL, form-encoded and signed with `X-Twilio-Signature` as Twilio documents it
 *   (HMAC-SHA1 with the auth token over the URL followed by every parameter name and value sorted by
 *   name, base64) — computed here independently of the SDK, whose `validateRequest` checks it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string;
  statusCallback: string | undefined;
  createdAt: Date;
}

export interface InjectedFailure {
  status: number;
  code: number;
  message?: string;
}

export interface TwilioStandIn {
  /** `http://127.0.0.1:<port>`: TWILIO_API_BASE_URL. */
  url: string;
  accountSid: string;
  authToken: string;
  /** Messages accepted, oldest first. */
  messages: StandInMessage[];
  /** Every Messages.json call answered, accepted or not. */
  calls(): number;
  failNext(failures: InjectedFailure[]): void;
  failFor(to: string, failure: InjectedFailure): void;
  /** Answers every accepted message this much later (concurrency tests). */
  setLatency(ms: number): void;
  sendStatus(
    sid: string,
    status: string,
    options?: { errorCode?: string; url?: string; signature?: string },
  ): Promise<Response>;
  close(): Promise<void>;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Twilio's request signature (https://www.twilio.com/docs/usage/webhooks/webhooks-security). */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function twilioError(res: ServerResponse, failure: InjectedFailure): void {
  send(res, failure.status, {
    code: failure.code,
    message: failure.message ?? `Injected error ${failure.code}`,
    more_info: `https://www.twilio.com/docs/errors/${failure.code}`,
    status: failure.status,
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const E164 = /^\+[1-9][0-9]{7,14}$/;

export async function startTwilioStandIn(
  options: { accountSid?: string; authToken?: string } = {},
): Promise<TwilioStandIn> {
  const accountSid = options.accountSid ?? `AC${hex(16)}`;
  const authToken = options.authToken ?? hex(16);
  const messages: StandInMessage[] = [];
  const queued: InjectedFailure[] = [];
  const byRecipient = new Map<string, InjectedFailure>();
  let calls = 0;
  let latencyMs = 0;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const match = PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (match === null || req.method !== 'POST') {
        send(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
        return;
      }
      calls += 1;
      const auth = req.headers.authorization ?? '';
      const [user, password] = auth.startsWith('Basic ')
        ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')
        : [];
      if (user !== accountSid || password === undefined || !sameSecret(password, authToken)) {
        twilioError(res, { status: 401, code: 20003, message: 'Authenticate' });
        return;
      }
      if (match[1] !== accountSid) {
        twilioError(res, { status: 403, code: 20003, message: 'Permission denied' });
        return;
      }
      const params = new URLSearchParams(await readBody(req));
      const to = params.get('To') ?? '';
      const body = params.get('Body') ?? '';
      const from = params.get('From') ?? undefined;
      const messagingServiceSid = params.get('MessagingServiceSid') ?? undefined;
      if (to === '')
        return twilioError(res, { status: 400, code: 21604, message: "A 'To' phone number is required." });
      if (body === '')
        return twilioError(res, { status: 400, code: 21602, message: 'Message body is required.' });
      if (from === undefined && messagingServiceSid === undefined) {
        return twilioError(res, { status: 400, code: 21603, message: "A 'From' phone number is required." });
      }
      if (!E164.test(to)) {
        return twilioError(res, {
          status: 400,
          code: 21211,
          message: `The 'To' number ${to} is not a valid phone number.`,
        });
      }
      const injected = queued.shift() ?? byRecipient.get(to);
      if (injected !== undefined) return twilioError(res, injected);

      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      const sid = `SM${hex(16)}`;
      const now = new Date();
      const message: StandInMessage = {
        sid,
        accountSid,
        to,
        from,
        messagingServiceSid,
        body,
        statusCallback: params.get('StatusCallback') ?? undefined,
        createdAt: now,
      };
      messages.push(message);
      send(res, 201, {
        account_sid: accountSid,
        api_version: '2010-04-01',
        body,
        date_created: now.toUTCString(),
        date_sent: null,
        date_updated: now.toUTCString(),
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: from ?? null,
        messaging_service_sid: messagingServiceSid ?? null,
        num_media: '0',
        num_segments: '1',
        price: null,
        price_unit: 'USD',
        sid,
        status: 'queued',
        subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
        to,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      });
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { code: 20500, message: 'Internal Server Error', status: 500 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    calls: () => calls,
    failNext(failures) {
      queued.push(...failures);
    },
    failFor(to, failure) {
      byRecipient.set(to, failure);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    async sendStatus(sid, status, opts = {}) {
      const message = messages.find((m) => m.sid === sid);
      const url = opts.url ?? message?.statusCallback;
      if (url === undefined) throw new Error(`message ${sid} has no StatusCallback`);
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        From: message?.from ?? '',
        MessageSid: sid,
        MessageStatus: status,
        SmsSid: sid,
        SmsStatus: status,
        To: message?.to ?? '',
        ...(opts.errorCode === undefined ? {} : { ErrorCode: opts.errorCode }),
      };
      return fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': opts.signature ?? twilioSignature(authToken, url, params),
        },
        body: new URLSearchParams(params).toString(),
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
