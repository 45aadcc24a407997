import { beforeAll, describe, expect, it } from '@jest/globals';
import { negotiateLocale } from './locales.ts';
import type { TemplateRenderer } from './renderer.ts';
import { createRendererForTest } from './test-support.ts';

let renderer: TemplateRenderer;
beforeAll(async () => {
  renderer = await createRendererForTest();
});

describe('resolveLocale over the shipped locales (en, es, pt-BR)', () => {
  it('ships en, es and pt-BR', () => {
    expect(renderer.locales).toEqual(['en', 'es', 'pt-BR']);
  });

  it.each([
    ['pt-BR', 'pt-BR'],
    ['pt-br', 'pt-BR'],
    ['pt_BR', 'pt-BR'],
    ['pt', 'pt-BR'], // no `pt`: the shipped locale of the same language
    ['pt-PT', 'pt-BR'],
    ['es', 'es'],
    ['es-MX', 'es'],
    ['es-419', 'es'],
    ['en-GB', 'en'],
    ['EN', 'en'],
    ['fr', 'en'],
    ['fr-CA', 'en'],
    ['de-CH-1996', 'en'],
    ['', 'en'],
    ['***', 'en'],
    [null, 'en'],
    [undefined, 'en'],
  ])('%p → %s', (requested, expected) => {
    expect(renderer.resolveLocale(requested)).toBe(expected);
  });
});

describe('negotiateLocale', () => {
  it('goes pt-BR → pt → en when pt is shipped', () => {
    expect(negotiateLocale('pt-BR', ['en', 'pt'])).toBe('pt');
    expect(negotiateLocale('pt-BR', ['en', 'pt', 'pt-BR'])).toBe('pt-BR');
    expect(negotiateLocale('pt-BR', ['en'])).toBe('en');
  });

  it('drops one subtag at a time', () => {
    expect(negotiateLocale('zh-Hant-TW', ['en', 'zh-Hans', 'zh-Hant'])).toBe('zh-Hant');
    expect(negotiateLocale('es-MX', ['en', 'es', 'es-MX'])).toBe('es-MX');
  });

  it('takes the given fallback', () => {
    expect(negotiateLocale('fr', ['es', 'pt-BR'], 'es')).toBe('es');
  });
});

describe('rendering falls back the same way', () => {
  it.each([
    ['es-MX', 'es', 'Restablece tu contraseña de Acme ID'],
    ['pt', 'pt-BR', 'Redefina sua senha do Acme ID'],
    ['fr-FR', 'en', 'Reset your Acme ID password'],
  ])('%s renders in %s', async (requested, locale, subject) => {
    const email = await renderer.renderEmail({
      key: 'password-reset',
      locale: requested,
      data: renderer.sampleData('password-reset'),
    });
    expect(email.locale).toBe(locale);
    expect(email.subject).toBe(subject);
    expect(email.html).toContain(`lang="${locale}"`);
  });

  it('applies to SMS too', () => {
    const sms = renderer.renderSms({
      key: 'otp-code',
      locale: 'es-AR',
      data: renderer.sampleData('otp-code'),
    });
    expect(sms.locale).toBe('es');
    expect(sms.text).toContain('No lo compartas con nadie.');
  });
});
