// Admin overrides: validated by rendering them with sample data before they are saved, then used
// in place of the shipped parts they replace.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Value } from '@sinclair/typebox/value';
import type { TemplateIssue } from './errors.ts';
import { TemplateOverrideSchema } from './override-schema.ts';
import type { TemplateOverrideSource, TemplateRenderer } from './renderer.ts';
import { createRendererForTest, hrefs, visibleText } from './test-support.ts';

let renderer: TemplateRenderer;
beforeAll(async () => {
  renderer = await createRendererForTest();
});

const body = (inner: string) => `<mj-section><mj-column>${inner}</mj-column></mj-section>`;
const goodReset: TemplateOverrideSource = {
  subject: 'Password reset for {{product_name}}',
  mjml: body(
    '<mj-text>{{> greeting}} here is your reset link.</mj-text><mj-button href="{{link}}">Choose a password</mj-button><mj-text>Expires {{relative expires_at}}.</mj-text>',
  ),
  text: '{{> greeting}}\n\nReset it here: {{link}}\n',
};

async function issuesOf(key: string, source: unknown, locale = 'en'): Promise<TemplateIssue[]> {
  return renderer.validateOverride(key, locale, source);
}

describe('a valid override', () => {
  it('passes validation and is used when rendering', async () => {
    expect(await issuesOf('password-reset', goodReset)).toEqual([]);
    const data = renderer.sampleData('password-reset');
    const email = await renderer.renderEmail({
      key: 'password-reset',
      locale: 'en',
      data,
      override: goodReset,
    });
    expect(email.subject).toBe('Password reset for Acme ID');
    expect(visibleText(email.html)).toContain('Hi Ada Lovelace, here is your reset link.');
    expect(visibleText(email.html)).toContain('Choose a password');
    expect(hrefs(email.html)).toContain(data.link);
    expect(email.html).toContain('@media only screen'); // still inside the shared responsive layout
    expect(email.text).toContain(`Reset it here: ${String(data.link)}`);
    expect(email.text).toContain('--\nYou received this email because'); // shared text footer kept
  });

  it('may replace only some parts; the others stay the shipped ones', async () => {
    const override = { subject: '{{product_name}}: new password' };
    expect(await issuesOf('password-reset', override, 'pt-BR')).toEqual([]);
    const email = await renderer.renderEmail({
      key: 'password-reset',
      locale: 'pt-BR',
      data: renderer.sampleData('password-reset'),
      override,
    });
    expect(email.subject).toBe('Acme ID: new password');
    expect(email.text).toContain('Recebemos um pedido para redefinir a senha');
  });

  it('may be a whole MJML document or plain HTML', async () => {
    const mjml = `<mjml><mj-body>${body('<mj-text><a href="{{link}}">Sign in</a></mj-text>')}</mj-body></mjml>`;
    expect(await issuesOf('magic-link', { mjml })).toEqual([]);
    const html =
      '<!doctype html><html><body><p>{{> greeting}}</p><a href="{{link}}">Sign in</a></body></html>';
    expect(await issuesOf('magic-link', { html })).toEqual([]);
    const email = await renderer.renderEmail({
      key: 'magic-link',
      locale: 'en',
      data: { ...renderer.sampleData('magic-link'), name: '<b>Ada</b>' },
      override: { html },
    });
    expect(email.html).toContain('<p>Hi &lt;b&gt;Ada&lt;/b&gt;,</p>');
  });

  it('overrides the SMS of otp-code', async () => {
    const sms = '{{code}} - {{product_name}}';
    expect(await issuesOf('otp-code', { sms }, 'es')).toEqual([]);
    const rendered = renderer.renderSms({
      key: 'otp-code',
      locale: 'es',
      data: renderer.sampleData('otp-code'),
      override: { sms },
    });
    expect(rendered.text).toBe('205913 - Acme ID');
  });
});

describe('a broken override is refused with a clear message', () => {
  const messages = (issues: TemplateIssue[]) => issues.map((i) => `${i.part}: ${i.message}`).join('\n');

  it('a Handlebars syntax error, with its line', async () => {
    const issues = await issuesOf('password-reset', { text: 'Hello\n{{#if name}}\nno end\n{{link}}' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ part: 'text', line: expect.any(Number) });
    expect(issues[0]?.message).toMatch(/Parse error|Expecting/);
  });

  it('an unknown helper', async () => {
    const issues = await issuesOf('password-reset', { subject: '{{shout name}}' });
    expect(messages(issues)).toContain('unknown helper shout');
  });

  it('an unknown partial', async () => {
    const issues = await issuesOf('password-reset', { text: '{{> signature}} {{link}}' });
    expect(messages(issues)).toContain('text: Unknown partial "signature" (known: ');
  });

  it('a variable the template does not have', async () => {
    const issues = await issuesOf('password-reset', { subject: 'Hi {{nickname}}' });
    expect(messages(issues)).toBe(
      'subject: Unknown variable "nickname" (this template has: name, link, expires_at, product_name)',
    );
  });

  it('a property of an optional field that can be absent', async () => {
    const issues = await issuesOf('security-alert-mfa-enrolled', { subject: 'Added by {{actor.type}}' });
    expect(messages(issues)).toBe(
      'subject: "type" is read from a field that can be absent: put it inside {{#if <field>}}',
    );
  });

  it('a helper given the wrong value', async () => {
    const issues = await issuesOf('password-reset', { subject: 'Until {{datetime name}}' });
    expect(messages(issues)).toContain('{{datetime}} needs a date-time');
  });

  it('the link left out of the HTML or the text', async () => {
    const noLink = await issuesOf('password-reset', {
      mjml: body('<mj-text>Reset your password.</mj-text>'),
    });
    expect(noLink).toEqual([
      { part: 'mjml', message: 'Must show {{link}} (the message is useless without it)' },
    ]);
    const noLinkText = await issuesOf('invitation', { text: 'You are invited.' });
    expect(messages(noLinkText)).toBe('text: Must show {{link}} (the message is useless without it)');
  });

  it('the code left out of the SMS', async () => {
    const issues = await issuesOf('otp-code', { sms: 'Your code is ready.' });
    expect(messages(issues)).toBe('sms: Must show {{code}} (the message is useless without it)');
  });

  it('MJML errors', async () => {
    const issues = await issuesOf('password-reset', {
      mjml: body('<mj-text colour="red">{{link}}</mj-text><mj-buton href="{{link}}">Go</mj-buton>'),
    });
    const text = messages(issues);
    expect(text).toContain('mjml: MJML: Attribute colour is illegal');
    expect(text).toContain("mjml: MJML: Element mj-buton doesn't exist or is not registered");
  });

  it('unescaped output', async () => {
    for (const subject of ['{{{name}}}', '{{& name}}']) {
      const issues = await issuesOf('password-reset', { subject });
      expect(messages(issues)).toContain('Unescaped output ({{{ }}} or {{& }}) is not allowed');
    }
  });

  it('mj-include (an override never reads files)', async () => {
    const mjml = body('<mj-text>{{link}}</mj-text>').replace(
      '<mj-column>',
      '<mj-column><mj-include path="/etc/passwd" type="html" />',
    );
    // MJML is run with ignoreIncludes: the element is dropped, nothing is read.
    expect(await issuesOf('password-reset', { mjml })).toEqual([]);
    const email = await renderer.renderEmail({
      key: 'password-reset',
      locale: 'en',
      data: renderer.sampleData('password-reset'),
      override: { mjml },
    });
    expect(email.html).not.toContain('root:');
    expect(email.html).not.toContain('mj-include');
  });

  it('parts that do not fit the template or each other', async () => {
    expect(messages(await issuesOf('password-reset', { sms: '{{link}}' }))).toBe(
      'sms: Template "password-reset" has no SMS',
    );
    expect(
      messages(await issuesOf('password-reset', { mjml: goodReset.mjml, html: '<p>{{link}}</p>' })),
    ).toBe('override: Give either "mjml" or "html", not both');
    expect(messages(await issuesOf('password-reset', { body: 'x' }))).toBe(
      'override: Unknown part "body" (parts: subject, mjml, html, text, sms)',
    );
    expect(messages(await issuesOf('password-reset', {}))).toBe(
      'override: An override needs at least one part',
    );
    expect(messages(await issuesOf('password-reset', { subject: 42 }))).toBe('subject: Must be a string');
    expect(messages(await issuesOf('password-reset', { subject: '  ' }))).toBe(
      'subject: Must not be empty (leave it out to keep the shipped one)',
    );
    expect(messages(await issuesOf('password-reset', { text: `{{link}}${'x'.repeat(60_000)}` }))).toBe(
      'text: Longer than 50000 characters',
    );
    expect(messages(await issuesOf('password-reset', 'subject'))).toContain('An override is an object');
  });

  it('an unknown key or a locale that is not shipped', async () => {
    expect(messages(await issuesOf('nope', goodReset))).toBe('override: No template "nope"');
    expect(messages(await issuesOf('password-reset', goodReset, 'fr'))).toBe(
      'override: Locale "fr" is not shipped (shipped: en, es, pt-BR)',
    );
  });

  it('renderEmail refuses a broken override it is given anyway', async () => {
    await expect(
      renderer.renderEmail({
        key: 'password-reset',
        locale: 'en',
        data: renderer.sampleData('password-reset'),
        override: { mjml: body('<mj-texte>{{link}}</mj-texte>') },
      }),
    ).rejects.toMatchObject({ code: 'template_invalid' });
  });
});

describe('the override body schema', () => {
  it('accepts the parts and refuses anything else', () => {
    expect(Value.Check(TemplateOverrideSchema, goodReset)).toBe(true);
    expect(Value.Check(TemplateOverrideSchema, { sms: '{{code}}' })).toBe(true);
    expect(Value.Check(TemplateOverrideSchema, {})).toBe(false);
    expect(Value.Check(TemplateOverrideSchema, { subject: '' })).toBe(false);
    expect(Value.Check(TemplateOverrideSchema, { subject: 'x', body: 'y' })).toBe(false);
    expect(Value.Check(TemplateOverrideSchema, { subject: 'x'.repeat(1001) })).toBe(false);
  });
});
