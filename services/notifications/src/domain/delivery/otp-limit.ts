/**
 * SMS-pumping protection (notifications.md, "Delivery"): one-time codes are limited per recipient
 * address and per user over a sliding hour. Messages refused by the limit do not count, so a flood
 * of requests cannot keep the window closed beyond the hour after the last accepted code.
 */
export const OTP_TEMPLATE_KEY = 'otp-code';
export const OTP_WINDOW_MS = 3_600_000;

export interface OtpLimits {
  perRecipient: number;
  perUser: number;
}

export function isOtpTemplate(templateKey: string): boolean {
  return templateKey === OTP_TEMPLATE_KEY;
}

/** Which limit, if any, one more code would break, given the codes accepted in the window. */
export function otpLimitBroken(
  counts: { recipient: number; user: number | undefined },
  limits: OtpLimits,
): 'recipient' | 'user' | undefined {
  if (counts.recipient >= limits.perRecipient) return 'recipient';
  if (counts.user !== undefined && counts.user >= limits.perUser) return 'user';
  return undefined;
}
