// notifications-events: what happened to each message (email or SMS).
import { Type } from '@sinclair/typebox';
import { StringEnum, Uuid } from '../schema/common.ts';
import { compliancePartEvents } from './compliance-parts.ts';
import { defineEvent } from './define.ts';
import { ex } from './example-values.ts';

export const CHANNELS = ['email', 'sms'] as const;

const messageFields = {
  message_id: Uuid(),
  user_id: Type.Optional(Uuid({ description: 'The recipient, when it is a user of the platform' })),
  channel: StringEnum(CHANNELS),
  template: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 100, description: 'Template key' }),
  provider_id: Type.Optional(
    Type.String({ maxLength: 200, description: "The provider's message id (SES, Twilio)" }),
  ),
  trigger_id: Type.Optional(Uuid({ description: 'The command or event that caused the message' })),
};

const Message = Type.Object(messageFields);

const sample = {
  message_id: ex.messageId,
  user_id: ex.userId,
  channel: 'email',
  template: 'email-verification',
  provider_id: '0100019370f1a2b3-5c6d7e8f-aaaa-bbbb-cccc-000000000000-000000',
  trigger_id: ex.commandId,
} as const;

export const notificationsEvents = [
  defineEvent('notifications.message.sent', {
    summary: 'The provider accepted the message.',
    subject: 'message/{message_id}',
    data: Message,
    examples: [sample],
  }),
  defineEvent('notifications.message.delivered', {
    summary: 'The provider reported delivery to the recipient.',
    subject: 'message/{message_id}',
    data: Message,
    examples: [sample],
  }),
  defineEvent('notifications.message.failed', {
    summary: 'The message could not be sent (permanent error, or retries exhausted).',
    subject: 'message/{message_id}',
    data: Type.Object({
      ...messageFields,
      reason: Type.String({ maxLength: 500, description: 'Why, without the message content' }),
      attempts: Type.Integer({ minimum: 1 }),
    }),
    examples: [
      {
        message_id: ex.messageId,
        user_id: ex.userId,
        channel: 'sms',
        template: 'otp-code',
        reason: 'Twilio 21211: invalid To phone number',
        attempts: 1,
      },
    ],
  }),
  defineEvent('notifications.message.bounced', {
    summary: 'The recipient address bounced or complained; hard bounces are suppressed from then on.',
    subject: 'message/{message_id}',
    data: Type.Object({
      ...messageFields,
      bounce_type: StringEnum(['permanent', 'transient', 'complaint'] as const),
      suppressed: Type.Boolean({ description: 'The address is on the suppression list now' }),
    }),
    examples: [{ ...sample, bounce_type: 'permanent', suppressed: true }],
  }),
  ...compliancePartEvents('notifications'),
] as const;
