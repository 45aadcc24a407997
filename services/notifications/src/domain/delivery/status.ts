/**
 * The status machine of a message (notifications.md, "Delivery"):
 *
 *   queued ──send ok──▶ sent ──provider feedback──▶ delivered | bounced
 *     │                  └────────provider feedback (undelivered)──▶ failed
 *     └──permanent error / retries exhausted / suppressed / rate limited──▶ failed
 *
 * Provider feedback can arrive out of order (a Twilio "delivered" before our own "sent" is recorded,
 * an SES Delivery after a Bounce of another recipient...): a transition is applied only when it
 * moves the message forward. `bounced` is final; `delivered` can still become `bounced` (SES reports a
 * complaint after delivery) but never `failed`.
 */
export const CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

export const MESSAGE_STATUSES = ['queued', 'sent', 'delivered', 'bounced', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

const NEXT: Readonly<Record<MessageStatus, readonly MessageStatus[]>> = {
  queued: ['sent', 'delivered', 'bounced', 'failed'],
  sent: ['delivered', 'bounced', 'failed'],
  delivered: ['bounced'],
  bounced: [],
  failed: [],
};

/** Whether a message in `from` may move to `to`. */
export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  return NEXT[from].includes(to);
}

/** The statuses a message may be in for it to move to `to` (for conditional updates). */
export function statusesBefore(to: MessageStatus): MessageStatus[] {
  return MESSAGE_STATUSES.filter((from) => canTransition(from, to));
}

/** Failure codes of messages that never reached a provider, and of those that did. */
export const FAILURE_CODES = [
  'suppressed',
  'rate_limited',
  'provider_rejected',
  'retries_exhausted',
  'render_failed',
  'undelivered',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];
