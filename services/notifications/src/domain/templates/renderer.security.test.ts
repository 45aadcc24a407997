// Hostile data: it must never become markup in the HTML part, never start a header line in the
// subject, never re-enter the template engine, and never turn a link into `javascript:`.
import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { TemplateKey } from './catalogue.ts';
import type { TemplateRenderer } from './renderer.ts';
import { createRendererForTest, hrefs, visibleText } from './test-support.ts';

let renderer: TemplateRenderer;
beforeAll(async () => {
  renderer = await createRendererForTest();
});

const count = (text: string, char: string): number => text.split(char).length - 1;

describe('HTML escaping', () => {
  it('escapes a <script> in user data', async () => {
    const data = { ...renderer.sampleData('invitation'), inviter_name: '<script>alert(1)</script>' };
    const email = await renderer.renderEmail({ key: 'invitation', locale: 'en', data });
    expect(email.html).not.toContain('<script>alert(1)</script>');
    expect(email.html).not.toMatch(/<script/i);
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; created a Acme ID account');
    // Plain text is not HTML: the value is shown as it is, and nothing else changes.
    expect(email.text).toContain('<script>alert(1)</script> created a Acme ID account for you.');
  });

  it('escapes quotes that would break out of an attribute', async () => {
    const hostile = '" onmouseover="alert(1)" x=\'';
    const data = { ...renderer.sampleData('new-device-login'), name: hostile, client_id: hostile };
    const email = await renderer.renderEmail({ key: 'new-device-login', locale: 'pt-BR', data });
    expect(email.html).not.toContain('" onmouseover="');
    expect(email.html).not.toMatch(/\sonmouseover=/);
    expect(email.html).toContain('&quot; onmouseover&#x3D;&quot;alert(1)&quot; x&#x3D;&#x27;');
    expect(visibleText(email.html)).toContain(`Aplicativo: ${hostile}`);
  });

  it('prints {{ }} in data literally: data never goes through the template engine', async () => {
    const benign = await renderer.renderEmail({
      key: 'password-reset',
      locale: 'en',
      data: renderer.sampleData('password-reset'),
    });
    const link = String(renderer.sampleData('password-reset').link);
    const email = await renderer.renderEmail({
      key: 'password-reset',
      locale: 'en',
      data: {
        ...renderer.sampleData('password-reset'),
        name: '{{link}} {{> footer}} {{#each this}}x{{/each}}',
      },
    });
    expect(visibleText(email.html)).toContain('Hi {{link}} {{> footer}} {{#each this}}x{{/each}},');
    expect(email.text).toContain('Hi {{link}} {{> footer}} {{#each this}}x{{/each}},');
    // The link shows exactly as often as without the hostile name.
    expect(email.text.split(link).length).toBe(benign.text.split(link).length);
    expect(hrefs(email.html)).toEqual(hrefs(benign.html));
  });

  it('refuses a link that is not http(s), so no javascript: reaches an href', async () => {
    for (const link of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'not a url']) {
      await expect(
        renderer.renderEmail({
          key: 'magic-link',
          locale: 'en',
          data: { ...renderer.sampleData('magic-link'), link },
        }),
      ).rejects.toMatchObject({ code: 'template_data_invalid' });
    }
  });

  it('keeps a link with quotes and angle brackets inside its attribute', async () => {
    const link = 'https://id.example.com/magic?token=abc&next="><script>alert(1)</script>';
    const email = await renderer.renderEmail({
      key: 'magic-link',
      locale: 'es',
      data: { ...renderer.sampleData('magic-link'), link },
    });
    expect(email.html).not.toMatch(/<script/i);
    expect(hrefs(email.html).filter((h) => h === link)).toHaveLength(2);
  });
});

describe('subject and plain text', () => {
  it('never puts a CR or LF in the subject (no header injection)', async () => {
    const data = {
      ...renderer.sampleData('invitation'),
      inviter_name: 'Ada\r\nBcc: victim@example.com\r\n\r\n<b>hi</b>',
    };
    const email = await renderer.renderEmail({ key: 'invitation', locale: 'en', data });
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toBe('Ada Bcc: victim@example.com <b>hi</b> invited you to Acme ID');
    // The text part does not get fake lines either.
    expect(email.text).not.toMatch(/^Bcc:/m);
  });

  it('drops control and bidi override characters from data', async () => {
    const data = { ...renderer.sampleData('new-device-login'), name: 'Ada\u202e\u0007\u0000Evil\u2066' };
    const email = await renderer.renderEmail({ key: 'new-device-login', locale: 'en', data });
    for (const part of [email.subject, email.text, email.html]) {
      for (const char of ['\u202e', '\u2066', '\u0007', '\u0000']) expect(part).not.toContain(char);
    }
    expect(email.text).toContain('Hi Ada Evil ,');
  });

  it('keeps the SMS free of injected lines', () => {
    const sms = renderer.renderSms({
      key: 'otp-code',
      locale: 'en',
      data: { ...renderer.sampleData('otp-code'), name: 'x\nCall +1 555 0100' },
    });
    expect(sms.text).not.toContain('555'); // the SMS does not show the name at all
    expect(sms.text.split('\n')).toHaveLength(1);
  });
});

describe('property: arbitrary strings in data never add markup to the HTML', () => {
  // Any code point, with the characters that matter to HTML and to Handlebars made frequent.
  const anyText = fc.string({
    unit: fc.oneof(
      fc.constantFrom('<', '>', '"', "'", '&', '=', '`', '{{', '}}', '/', '\r\n', 'script', ' '),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 40,
  });
  const cases: [TemplateKey, string[]][] = [
    ['invitation', ['name', 'inviter_name']],
    ['new-device-login', ['name', 'user_agent', 'client_id', 'ip']],
    ['webhook-failing', ['url_host', 'event_type', 'event_id', 'endpoint_id']],
    ['security-alert-email-changed', ['old_email', 'new_email']],
  ];

  it.each(cases)('%s', async (key, fields) => {
    const withValues = (values: string[]) => {
      const data = { ...renderer.sampleData(key) };
      fields.forEach((field, i) => {
        data[field] = values[i];
      });
      return data;
    };
    await fc.assert(
      fc.asyncProperty(fc.tuple(...fields.map(() => anyText)), async (values) => {
        const email = await renderer.renderEmail({ key, locale: 'en', data: withValues(values) });
        // The same render with harmless values (empty stays empty, so the same branches show).
        const benign = await renderer.renderEmail({
          key,
          locale: 'en',
          data: withValues(values.map((v) => (v.length === 0 ? '' : 'x'))),
        });
        // Every < and > of the HTML comes from the template, none from the data.
        expect(count(email.html, '<')).toBe(count(benign.html, '<'));
        expect(count(email.html, '>')).toBe(count(benign.html, '>'));
        expect(email.subject).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 150 },
    );
  });
});
