/**
 * Provider feedback applied to messages, in the caller's transaction (the SES feedback consumer's,
 * the Twilio status callback's), each change with its event:
 * - SES `Delivery` → delivered (+ `notifications.message.delivered`);
 * - SES hard `Bounce` → bounced, the message's recipient suppressed (+ `.bounced` permanent);
 *   soft bounce → status unchanged (SES retried already), `.bounced` transient, nothing suppressed;
 * - SES `Complaint` → bounced, the message's recipient suppressed (+ `.bounced` complaint);
 *   only the message's own recipient is ever suppressed: an event whose recipients (normalised)
 *   do not include it changes nothing (`recipient_mismatch`), whatever other addresses it names;
 * - SES `Reject` → failed (+ `.failed`);
 * - Twilio `delivered`/`read` → delivered; `undelivered`/`failed` → failed (`undelivered`, Twilio's
 *   error code as reason; 21610 "unsubscribed" also suppresses the number).
 * An SES event is matched by its SES message id, else by our `message_id` tag, but the tag only
 * finds an email message sent (or being sent) through SES, never an SMS.
 * A transition only moves a message forward (domain/delivery/status.ts), so a repeated or late
 * report changes nothing and publishes nothing.
 */
import type { Kysely, Transaction } from 'kysely';
import { normalizeEmail } from '../../domain/delivery/address.ts';
import type { SesFeedback } from '../../domain/delivery/ses-events.ts';
import { statusesBefore } from '../../domain/delivery/status.ts';
import { statusFromTwilio, TWILIO_UNSUBSCRIBED_CODES } from '../../domain/delivery/twilio-status.ts';
import {
  addSuppression,
  findByProviderId,
  type MessageRow,
  messagesDb,
  setStatusFromFeedback,
} from '../../store/messages/messages-store.ts';
import { publishBounced, publishDelivered, publishFailed } from './message-events.ts';

// biome-ignore lint/suspicious/noExplicitAny: the caller's transaction is typed for its own tables.
type Trx = Transaction<any> | Kysely<any>;

/** Feedback about a message whose send is not recorded yet: the caller retries later. */
export class FeedbackTooEarlyError extends Error {
  readonly code = 'feedback_too_early';
  constructor(messageId: string) {
    super(`The send of message ${messageId} is not recorded yet.`);
    this.name = 'FeedbackTooEarlyError';
  }
}

export type FeedbackResult =
  | { applied: true; message: MessageRow; suppressed: string[] }
  | { applied: false; reason: 'unknown_message' | 'no_change' | 'ignored' | 'recipient_mismatch' };

export async function applySesFeedback(trx: Trx, feedback: SesFeedback): Promise<FeedbackResult> {
  if (feedback.kind === 'ignored') return { applied: false, reason: 'ignored' };
  const db = messagesDb(trx);
  const message = await findByProviderId(db, 'ses', feedback.sesMessageId, {
    messageId: feedback.messageTag,
    channel: 'email',
  });
  if (message === undefined) return { applied: false, reason: 'unknown_message' };
  if (message.status === 'queued') throw new FeedbackTooEarlyError(message.id);

  switch (feedback.kind) {
    case 'delivery': {
      const row = await setStatusFromFeedback(db, message.id, statusesBefore('delivered'), 'delivered');
      if (row === undefined) return { applied: false, reason: 'no_change' };
      await publishDelivered(trx, row);
      return { applied: true, message: row, suppressed: [] };
    }
    case 'bounce':
    case 'complaint': {
      const permanent = feedback.kind === 'complaint' || feedback.bounceType === 'permanent';
      // Our messages have one recipient: that is the only address this event may speak for.
      const ours = normalizeEmail(message.recipient);
      const named = feedback.recipients.map((raw) => normalizeEmail(raw));
      if (ours === undefined || (named.length > 0 && !named.includes(ours))) {
        return { applied: false, reason: 'recipient_mismatch' };
      }
      const suppressed: string[] = [];
      if (permanent) {
        await addSuppression(db, {
          address: ours,
          channel: 'email',
          reason: feedback.kind === 'complaint' ? 'complaint' : 'hard_bounce',
          provider: 'ses',
          messageId: message.id,
          detail: feedback.kind === 'bounce' ? `Bounce ${feedback.subType}`.slice(0, 200) : 'Complaint',
        });
        suppressed.push(ours);
      }
      const bounceType = feedback.kind === 'complaint' ? 'complaint' : feedback.bounceType;
      if (!permanent) {
        await publishBounced(trx, message, bounceType, false);
        return { applied: true, message, suppressed };
      }
      const row = await setStatusFromFeedback(db, message.id, statusesBefore('bounced'), 'bounced', {
        failureCode: feedback.kind === 'complaint' ? 'complaint' : 'hard_bounce',
        failureReason:
          feedback.kind === 'complaint' ? 'The recipient complained.' : `Hard bounce (${feedback.subType}).`,
      });
      if (row === undefined) return { applied: false, reason: 'no_change' };
      await publishBounced(trx, row, bounceType, suppressed.includes(row.recipient));
      return { applied: true, message: row, suppressed };
    }
    case 'reject': {
      const row = await setStatusFromFeedback(db, message.id, statusesBefore('failed'), 'failed', {
        failureCode: 'provider_rejected',
        failureReason: `SES rejected the message: ${feedback.reason}`,
      });
      if (row === undefined) return { applied: false, reason: 'no_change' };
      await publishFailed(trx, row, row.failure_reason ?? 'rejected');
      return { applied: true, message: row, suppressed: [] };
    }
  }
}

export interface TwilioStatusReport {
  messageSid: string;
  messageStatus: string;
  errorCode?: string | undefined;
}

export async function applyTwilioStatus(trx: Trx, report: TwilioStatusReport): Promise<FeedbackResult> {
  const to = statusFromTwilio(report.messageStatus);
  if (to === undefined || to === 'sent') return { applied: false, reason: 'ignored' };
  const db = messagesDb(trx);
  const message = await findByProviderId(db, 'twilio', report.messageSid);
  if (message === undefined) return { applied: false, reason: 'unknown_message' };
  if (to === 'delivered') {
    const row = await setStatusFromFeedback(db, message.id, statusesBefore('delivered'), 'delivered');
    if (row === undefined) return { applied: false, reason: 'no_change' };
    await publishDelivered(trx, row);
    return { applied: true, message: row, suppressed: [] };
  }
  const code = report.errorCode ?? 'unknown';
  const reason = `Twilio reported ${report.messageStatus} (error ${code})`;
  const row = await setStatusFromFeedback(db, message.id, statusesBefore('failed'), 'failed', {
    failureCode: 'undelivered',
    failureReason: reason,
  });
  if (row === undefined) return { applied: false, reason: 'no_change' };
  const suppressed: string[] = [];
  if (TWILIO_UNSUBSCRIBED_CODES.has(code)) {
    await addSuppression(db, {
      address: row.recipient,
      channel: 'sms',
      reason: 'unsubscribed',
      provider: 'twilio',
      messageId: row.id,
      detail: `Twilio ${code}`,
    });
    suppressed.push(row.recipient);
  }
  await publishFailed(trx, row, reason);
  return { applied: true, message: row, suppressed };
}
