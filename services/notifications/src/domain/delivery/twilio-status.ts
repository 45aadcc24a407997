/**
 * Twilio message statuses (status callback `MessageStatus`) and what they mean for a message:
 * `delivered`/`read` → delivered; `undelivered`/`failed` → failed (with Twilio's `ErrorCode`);
 * `sent` → sent; the intermediate ones (`accepted`, `queued`, `sending`, `scheduled`, ...) change
 * nothing. https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
 */
import type { MessageStatus } from './status.ts';

export function statusFromTwilio(twilioStatus: string): MessageStatus | undefined {
  switch (twilioStatus) {
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
    case 'failed':
      return 'failed';
    case 'sent':
      return 'sent';
    default:
      return undefined;
  }
}

/** Twilio error codes after which the number must not be texted again (the recipient replied STOP). */
export const TWILIO_UNSUBSCRIBED_CODES: ReadonlySet<string> = new Set(['21610']);
