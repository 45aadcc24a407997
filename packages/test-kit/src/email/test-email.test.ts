import { SendEmailCommand as SendEmailV1Command } from '@aws-sdk/client-ses';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestKitError } from '../errors.ts';
import { readInbox } from './inbox.ts';
import { createSesClients, type SesClients, type TestEmail, testEmail } from './test-email.ts';

describe('testEmail', () => {
  let email: TestEmail;
  let clients: SesClients;

  beforeAll(() => {
    email = testEmail();
    clients = createSesClients(email);
  });

  afterAll(() => clients?.destroy());

  it('captures a mail sent with the SES v2 SDK; readInbox sees it', async () => {
    const before = Math.floor(Date.now() / 1000) - 1;
    const sent = await clients.sesv2.send(
      new SendEmailCommand({
        FromEmailAddress: 'no-reply@authplatform.test',
        Destination: { ToAddresses: [email.address('ada')] },
        Content: {
          Simple: {
            Subject: { Data: 'Verify your email' },
            Body: { Text: { Data: 'Your code is 123456' }, Html: { Data: '<p>Your code is 123456</p>' } },
          },
        },
      }),
    );
    expect(sent.MessageId).toBeTruthy();

    const all = await readInbox(email.endpoint, { since: before });
    const mail = all.find((m) => m.messageId === sent.MessageId);
    expect(mail).toMatchObject({
      from: 'no-reply@authplatform.test',
      destination: { to: [email.address('ada')] },
      subject: 'Verify your email',
      body: { text: 'Your code is 123456', html: '<p>Your code is 123456</p>' },
    });
    expect(mail?.at).toBeGreaterThanOrEqual(before);
  });

  it("readInbox() of a suite returns only mail to the suite's domain; waitForEmail finds v1 mail", async () => {
    const other = testEmail();
    await clients.ses.send(
      new SendEmailV1Command({
        Source: 'no-reply@authplatform.test',
        Destination: { ToAddresses: [other.address('grace')] },
        Message: { Subject: { Data: 'Not yours' }, Body: { Text: { Data: 'hello' } } },
      }),
    );
    await clients.ses.send(
      new SendEmailV1Command({
        Source: 'no-reply@authplatform.test',
        Destination: { ToAddresses: [email.address('linus')] },
        Message: { Subject: { Data: 'Reset your password' }, Body: { Text: { Data: 'link' } } },
      }),
    );
    const mail = await email.waitForEmail((m) => m.subject === 'Reset your password');
    expect(mail.destination.to).toEqual([email.address('linus')]);
    const ours = await email.readInbox();
    expect(ours.map((m) => m.subject).sort()).toEqual(['Reset your password', 'Verify your email']);
    expect((await other.readInbox()).map((m) => m.subject)).toEqual(['Not yours']);
  });

  it('waitForEmail gives up with email_timeout', async () => {
    const error = await email.waitForEmail(() => false, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestKitError);
    expect((error as TestKitError).code).toBe('email_timeout');
  });

  it('readInbox reports an unreachable emulator as inbox_unavailable', async () => {
    const error = await readInbox('http://127.0.0.1:9').catch((e: unknown) => e);
    expect((error as TestKitError).code).toBe('inbox_unavailable');
  });
});
