/**
 * SES event notifications in the format SES publishes to an SNS event destination of a
 * configuration set (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html),
 * and publishing them to the `<prefix>-ses-events` topic with the real SNS SDK, as SES would.
 */
import { physicalName, SES_EVENTS_TOPIC_ID } from '@authplatform/contracts';
import { CreateTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import type { SnsClient } from '../providers/aws-clients.ts';

export interface SesMailRef {
  /** SES's message id (what SendEmail returned). */
  sesMessageId: string;
  /** Our message id, sent as the `message_id` tag. */
  messageId?: string;
  to: string;
  from?: string;
  configurationSet?: string;
}

function mail(ref: SesMailRef) {
  const now = new Date().toISOString();
  return {
    timestamp: now,
    source: ref.from ?? 'no-reply@example.test',
    sourceArn: 'arn:aws:ses:us-east-1:000000000000:identity/example.test',
    sendingAccountId: '000000000000',
    messageId: ref.sesMessageId,
    destination: [ref.to],
    headersTruncated: false,
    tags: {
      'ses:configuration-set': [ref.configurationSet ?? 'authplatform-test'],
      ...(ref.messageId === undefined ? {} : { message_id: [ref.messageId] }),
    },
  };
}

export function sesDelivery(ref: SesMailRef) {
  return {
    eventType: 'Delivery',
    mail: mail(ref),
    delivery: {
      timestamp: new Date().toISOString(),
      processingTimeMillis: 546,
      recipients: [ref.to],
      smtpResponse: '250 ok:  Message 64111812 accepted',
      reportingMTA: 'a8-70.smtp-out.amazonses.com',
    },
  };
}

export function sesBounce(ref: SesMailRef, bounceType: 'Permanent' | 'Transient' = 'Permanent') {
  return {
    eventType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: [
        {
          emailAddress: ref.to,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
      ],
      timestamp: new Date().toISOString(),
      feedbackId: `0102${Date.now()}-feedback`,
      reportingMTA: 'dsn; e26-4.smtp-out.us-east-1.amazonses.com',
    },
    mail: mail(ref),
  };
}

export function sesComplaint(ref: SesMailRef) {
  return {
    eventType: 'Complaint',
    complaint: {
      feedbackId: `0102${Date.now()}-complaint`,
      complaintSubType: null,
      complainedRecipients: [{ emailAddress: ref.to }],
      timestamp: new Date().toISOString(),
      userAgent: 'Mozilla/5.0',
      complaintFeedbackType: 'abuse',
      arrivalDate: new Date().toISOString(),
    },
    mail: mail(ref),
  };
}

/** Publishes an SES event to `<prefix>-ses-events` (created if missing, as CreateTopic is idempotent). */
export async function publishSesEvent(sns: SnsClient, prefix: string, event: unknown): Promise<void> {
  const send = sns.send.bind(sns) as unknown as (command: unknown) => Promise<{ TopicArn?: string }>;
  const { TopicArn } = await send(
    new CreateTopicCommand({ Name: physicalName(prefix, SES_EVENTS_TOPIC_ID) }),
  );
  if (TopicArn === undefined) throw new Error('no topic ARN');
  await send(new PublishCommand({ TopicArn, Message: JSON.stringify(event) }));
}
