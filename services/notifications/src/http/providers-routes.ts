/**
 * Provider callbacks: `POST /v1/providers/twilio/status`, Twilio's status callback of the SMS this
 * service sent (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status).
 *
 * Authentication is Twilio's request signature: `X-Twilio-Signature` is checked with the SDK's own
 * `validateRequest(authToken, signature, url, params)` over the URL Twilio called
 * (TWILIO_STATUS_CALLBACK_URL, the URL this service gave Twilio as StatusCallback; without it, the
 * URL of the request as received) and every form parameter. A missing or wrong signature answers
 * 403 and changes nothing. Served only when TWILIO_AUTH_TOKEN is set.
 *
 * The body is read raw (form-encoded, at most 16 KiB) and checked against the signature BEFORE any
 * schema: Twilio adds parameters over time and signs all of them, so the route cannot refuse
 * unknown names; after the signature, `MessageSid` and `MessageStatus` are validated.
 */
import { defineRoute, ProblemError, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import twilio from 'twilio';
import { applyTwilioStatus } from '../app/delivery/apply-feedback.ts';

export const TWILIO_STATUS_PATH = '/v1/providers/twilio/status';
const MAX_BODY_BYTES = 16 * 1024;
const SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;
const STATUS = /^[a-z_]{1,40}$/;
const ERROR_CODE = /^[0-9]{1,10}$/;

/** The parts of express's request the reader uses. */
interface FormRequest extends AsyncIterable<Buffer> {
  is(type: string): string | false | null;
}

async function readForm(req: FormRequest): Promise<Record<string, string>> {
  if (!req.is('application/x-www-form-urlencoded')) {
    throw new ProblemError({
      code: 'unsupported_media_type',
      status: 415,
      title: 'Unsupported media type',
      detail: 'The request body must be application/x-www-form-urlencoded.',
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw problems.payloadTooLarge('16kb');
    chunks.push(chunk);
  }
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
    if (Object.hasOwn(params, name))
      throw problems.badRequest('repeated', `The parameter ${name} is repeated.`);
    params[name] = value;
  }
  return params;
}

const invalidSignature = () =>
  new ProblemError({
    code: 'invalid_signature',
    status: 403,
    title: 'Forbidden',
    detail: 'The X-Twilio-Signature header is missing or does not match the request.',
  });

export function providersRoutes(deps: {
  // biome-ignore lint/suspicious/noExplicitAny: the service's database holds more tables than delivery's.
  db: Kysely<any>;
  twilioAuthToken: string | undefined;
  twilioStatusCallbackUrl: string | undefined;
}): Route[] {
  const { twilioAuthToken: authToken, db } = deps;
  if (authToken === undefined) return [];

  const twilioStatus = defineRoute({
    method: 'post',
    path: TWILIO_STATUS_PATH,
    operationId: 'twilioStatusCallback',
    summary: 'Twilio message status callback',
    description:
      'Form-encoded as Twilio sends it (MessageSid, MessageStatus, ErrorCode, ...), signed with X-Twilio-Signature. ' +
      'Moves the message to delivered or failed; other statuses change nothing.',
    tags: ['providers'],
    request: {
      headers: Type.Object({ 'x-twilio-signature': Type.Optional(Type.String({ maxLength: 200 })) }),
    },
    responses: {
      204: { description: 'Accepted' },
      400: { description: 'Signed, but MessageSid or MessageStatus is missing or malformed' },
      403: { description: 'Missing or wrong signature' },
      415: { description: 'Not form-encoded' },
    },
    handler: async ({ req, headers, reply }) => {
      const signature = headers['x-twilio-signature'];
      const params = await readForm(req as unknown as FormRequest);
      if (signature === undefined || signature === '') throw invalidSignature();
      const url =
        deps.twilioStatusCallbackUrl ??
        `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`;
      if (!twilio.validateRequest(authToken, signature, url, params)) throw invalidSignature();

      const { MessageSid: messageSid, MessageStatus: messageStatus, ErrorCode: errorCode } = params;
      if (
        messageSid === undefined ||
        !SID.test(messageSid) ||
        messageStatus === undefined ||
        !STATUS.test(messageStatus)
      ) {
        throw problems.badRequest('invalid_callback', 'MessageSid and MessageStatus are required.');
      }
      if (errorCode !== undefined && errorCode !== '' && !ERROR_CODE.test(errorCode)) {
        throw problems.badRequest('invalid_callback', 'ErrorCode must be numeric.');
      }
      await db.transaction().execute((trx) =>
        applyTwilioStatus(trx, {
          messageSid,
          messageStatus,
          ...(errorCode === undefined || errorCode === '' ? {} : { errorCode }),
        }),
      );
      return reply(204);
    },
  });
  return [twilioStatus];
}
