/**
 * SES event notifications (configuration-set event publishing, or the older identity
 * notifications) as they arrive from the `ses-events` topic: raw SNS delivery gives the SES JSON
 * itself; a subscription without raw delivery wraps it in an SNS envelope (`Type: Notification`,
 * `Message`), which is unwrapped too. Pure parsing, no I/O.
 *
 * What the service does with each (see app/delivery/ses-feedback.ts):
 * - `Delivery` → the message is delivered;
 * - `Bounce` with `bounceType: Permanent` (hard bounce) → bounced, and the message's recipient
 *   suppressed (only if the event names it, or names no one: see app/delivery/apply-feedback.ts); `Transient`/`Undetermined` (soft bounce: mailbox full, ...) → recorded only, SES
 *   itself has retried;
 * - `Complaint` → bounced (type complaint), the message's recipient suppressed (same rule);
 * - `Reject` (SES refused to send, e.g. a virus) → failed;
 * - everything else (`Send`, `Open`, `Click`, `DeliveryDelay`, `RenderingFailure`, ...) → ignored.
 */
export type SesFeedback =
  | { kind: 'delivery'; sesMessageId: string; messageTag: string | undefined; recipients: string[] }
  | {
      kind: 'bounce';
      sesMessageId: string;
      messageTag: string | undefined;
      bounceType: 'permanent' | 'transient';
      subType: string;
      recipients: string[];
    }
  | { kind: 'complaint'; sesMessageId: string; messageTag: string | undefined; recipients: string[] }
  | { kind: 'reject'; sesMessageId: string; messageTag: string | undefined; reason: string }
  | { kind: 'ignored'; eventType: string };

export type SesParseResult = { ok: true; feedback: SesFeedback } | { ok: false; reason: string };

/** The SES tag carrying our message id (SendEmail `EmailTags`). */
export const MESSAGE_ID_TAG = 'message_id';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function addresses(list: unknown, field: string): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((entry) => (isObject(entry) ? str(entry[field]) : str(entry)))
    .filter((a): a is string => a !== undefined && a.length > 0);
}

/** `mail.tags.message_id` (SES gives tag values as arrays). */
function messageTagOf(mail: Json): string | undefined {
  const tags = mail.tags;
  if (!isObject(tags)) return undefined;
  const value = tags[MESSAGE_ID_TAG];
  if (Array.isArray(value)) return str(value[0]);
  return str(value);
}

export function parseSesEvent(body: string): SesParseResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  if (isObject(parsed) && parsed.Type === 'Notification' && typeof parsed.Message === 'string') {
    return parseSesEvent(parsed.Message);
  }
  if (!isObject(parsed)) return { ok: false, reason: 'not_an_object' };
  const eventType = str(parsed.eventType) ?? str(parsed.notificationType);
  if (eventType === undefined) return { ok: false, reason: 'no_event_type' };
  const mail = parsed.mail;
  if (!isObject(mail) || typeof mail.messageId !== 'string' || mail.messageId.length === 0) {
    return { ok: false, reason: 'no_mail_message_id' };
  }
  const sesMessageId = mail.messageId;
  const messageTag = messageTagOf(mail);
  switch (eventType) {
    case 'Delivery': {
      const delivery = isObject(parsed.delivery) ? parsed.delivery : {};
      return {
        ok: true,
        feedback: {
          kind: 'delivery',
          sesMessageId,
          messageTag,
          recipients: addresses(delivery.recipients, ''),
        },
      };
    }
    case 'Bounce': {
      const bounce = parsed.bounce;
      if (!isObject(bounce)) return { ok: false, reason: 'no_bounce' };
      return {
        ok: true,
        feedback: {
          kind: 'bounce',
          sesMessageId,
          messageTag,
          bounceType: bounce.bounceType === 'Permanent' ? 'permanent' : 'transient',
          subType: str(bounce.bounceSubType) ?? 'Undetermined',
          recipients: addresses(bounce.bouncedRecipients, 'emailAddress'),
        },
      };
    }
    case 'Complaint': {
      const complaint = parsed.complaint;
      if (!isObject(complaint)) return { ok: false, reason: 'no_complaint' };
      return {
        ok: true,
        feedback: {
          kind: 'complaint',
          sesMessageId,
          messageTag,
          recipients: addresses(complaint.complainedRecipients, 'emailAddress'),
        },
      };
    }
    case 'Reject': {
      const reject = isObject(parsed.reject) ? parsed.reject : {};
      return {
        ok: true,
        feedback: {
          kind: 'reject',
          sesMessageId,
          messageTag,
          reason: str(reject.reason) ?? 'rejected by SES',
        },
      };
    }
    default:
      return { ok: true, feedback: { kind: 'ignored', eventType } };
  }
}
