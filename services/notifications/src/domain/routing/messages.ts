/**
 * What notifications sends for each trigger (notifications.md, "What it sends"): the template and
 * the channel; the category (whether the user's preferences apply) is the template's own, from the
 * template catalogue.
 */
import type { CommandType } from '@authplatform/contracts';
import type { Category, Channel } from '../preferences/categories.ts';
import { type TemplateKey, templateCatalogue } from '../templates/catalogue.ts';

export interface MessagePlan {
  templateKey: TemplateKey;
  channel: Channel;
  category: Category;
}

const plan = (templateKey: TemplateKey, channel: Channel = 'email'): MessagePlan => ({
  templateKey,
  channel,
  category: templateCatalogue[templateKey].category,
});

/** Commands carry the recipient, the locale and the secret link or code. */
export const COMMAND_MESSAGES: Readonly<Record<CommandType, MessagePlan>> = {
  send_email_verification: plan('email-verification'),
  send_password_reset: plan('password-reset'),
  send_otp_sms: plan('otp-code', 'sms'),
  send_otp_email: plan('otp-code'),
  send_magic_link: plan('magic-link'),
  send_invitation: plan('invitation'),
  send_signup_attempt_existing: plan('signup-attempt-existing'),
};

/** Events that make an email about a user (address, name, locale from the contact projection). */
export const EVENT_MESSAGES = {
  newDeviceLogin: plan('new-device-login'),
  passwordChanged: plan('security-alert-password-changed'),
  emailChanged: plan('security-alert-email-changed'),
  mfaEnrolled: plan('security-alert-mfa-enrolled'),
  mfaRemoved: plan('security-alert-mfa-removed'),
  userLocked: plan('security-alert-user-locked'),
  tokenReuse: plan('security-alert-token-reuse'),
  securityDetected: plan('security-alert-security-detected'),
  webhookFailing: plan('webhook-failing'),
} as const satisfies Record<string, MessagePlan>;
