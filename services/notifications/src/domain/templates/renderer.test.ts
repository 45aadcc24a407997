import { beforeAll, describe, expect, it } from '@jest/globals';
import Handlebars from 'handlebars';
import { TEMPLATE_KEYS, type TemplateCategory, type TemplateKey, templateCatalogue } from './catalogue.ts';
import { TemplateError } from './errors.ts';
import type { TemplateRenderer } from './renderer.ts';
import { createRendererForTest, hrefs, plain, visibleText } from './test-support.ts';

let renderer: TemplateRenderer;
beforeAll(async () => {
  renderer = await createRendererForTest();
});

const LOCALES = ['en', 'es', 'pt-BR'] as const;
type Locale = (typeof LOCALES)[number];

/** The subject of each template rendered with its sample data, as a reader sees it. */
const SUBJECTS: Record<TemplateKey, Record<Locale, string>> = {
  'email-verification': {
    en: 'Verify your email address for Acme ID',
    es: 'Verifica tu dirección de correo en Acme ID',
    'pt-BR': 'Confirme seu endereço de e-mail no Acme ID',
  },
  'password-reset': {
    en: 'Reset your Acme ID password',
    es: 'Restablece tu contraseña de Acme ID',
    'pt-BR': 'Redefina sua senha do Acme ID',
  },
  'otp-code': {
    en: 'Your Acme ID verification code',
    es: 'Tu código de verificación de Acme ID',
    'pt-BR': 'Seu código de verificação do Acme ID',
  },
  'magic-link': { en: 'Sign in to Acme ID', es: 'Inicia sesión en Acme ID', 'pt-BR': 'Entre no Acme ID' },
  invitation: {
    en: 'Ada Lovelace invited you to Acme ID',
    es: 'Ada Lovelace te invitó a Acme ID',
    'pt-BR': 'Ada Lovelace convidou você para o Acme ID',
  },
  'signup-attempt-existing': {
    en: 'Someone tried to sign up with your email address',
    es: 'Alguien intentó registrarse con tu dirección de correo',
    'pt-BR': 'Alguém tentou se cadastrar com o seu endereço de e-mail',
  },
  'new-device-login': {
    en: 'New sign-in to your Acme ID account',
    es: 'Nuevo inicio de sesión en tu cuenta de Acme ID',
    'pt-BR': 'Novo acesso à sua conta Acme ID',
  },
  'webhook-failing': {
    en: 'Webhook deliveries to hooks.example.com are failing',
    es: 'Las entregas de webhook a hooks.example.com están fallando',
    'pt-BR': 'As entregas de webhook para hooks.example.com estão falhando',
  },
  'security-alert-password-changed': {
    en: 'Your Acme ID password was changed',
    es: 'Se cambió la contraseña de tu cuenta de Acme ID',
    'pt-BR': 'A senha da sua conta Acme ID foi alterada',
  },
  'security-alert-email-changed': {
    en: 'The email address of your Acme ID account was changed',
    es: 'Se cambió el correo de tu cuenta de Acme ID',
    'pt-BR': 'O e-mail da sua conta Acme ID foi alterado',
  },
  'security-alert-mfa-enrolled': {
    en: 'A two-step verification method was added to your account',
    es: 'Se añadió un método de verificación en dos pasos a tu cuenta',
    'pt-BR': 'Um método de verificação em duas etapas foi adicionado à sua conta',
  },
  'security-alert-mfa-removed': {
    en: 'A two-step verification method was removed from your account',
    es: 'Se eliminó un método de verificación en dos pasos de tu cuenta',
    'pt-BR': 'Um método de verificação em duas etapas foi removido da sua conta',
  },
  'security-alert-user-locked': {
    en: 'Your Acme ID account has been locked',
    es: 'Tu cuenta de Acme ID se bloqueó',
    'pt-BR': 'Sua conta Acme ID foi bloqueada',
  },
  'security-alert-token-reuse': {
    en: 'We signed out a session of your Acme ID account',
    es: 'Cerramos una sesión de tu cuenta de Acme ID',
    'pt-BR': 'Encerramos uma sessão da sua conta Acme ID',
  },
  'security-alert-security-detected': {
    en: 'Security alert for your Acme ID account',
    es: 'Alerta de seguridad en tu cuenta de Acme ID',
    'pt-BR': 'Alerta de segurança da sua conta Acme ID',
  },
};

const GREETING: Record<Locale, (name: string) => string> = {
  en: (name) => `Hi ${name},`,
  es: (name) => `Hola, ${name}:`,
  'pt-BR': (name) => `Olá, ${name},`,
};

const FOOTER: Record<TemplateCategory, Record<Locale, string>> = {
  security: {
    en: 'This is a security notice about your Acme ID account',
    es: 'Este es un aviso de seguridad sobre tu cuenta de Acme ID',
    'pt-BR': 'Este é um aviso de segurança sobre a sua conta Acme ID',
  },
  transactional: {
    en: 'You received this email because this address was used with Acme ID',
    es: 'Recibiste este correo porque esta dirección se usó en Acme ID',
    'pt-BR': 'Você recebeu este e-mail porque este endereço foi usado no Acme ID',
  },
  webhooks: {
    en: 'You receive this because you own webhook endpoints in Acme ID',
    es: 'Recibes este mensaje porque eres responsable de endpoints de webhook en Acme ID',
    'pt-BR': 'Você recebe esta mensagem porque é responsável por endpoints de webhook no Acme ID',
  },
};

describe('every shipped email, in every locale, with its sample data', () => {
  const cases = TEMPLATE_KEYS.flatMap((key) => LOCALES.map((locale) => [key, locale] as const));

  it.each(cases)('%s in %s', async (key, locale) => {
    const data = renderer.sampleData(key);
    const email = await renderer.renderEmail({ key, locale, timezone: 'Europe/London', data });
    const definition = templateCatalogue[key];

    expect(email.locale).toBe(locale);
    expect(email.subject).toBe(SUBJECTS[key][locale]);

    expect(email.html.startsWith('<!doctype html>')).toBe(true);
    expect(email.html).toContain(`<html lang="${locale}" dir="ltr"`);
    expect(email.html).toContain(`<title>${Handlebars.escapeExpression(email.subject)}</title>`);
    expect(email.html).toContain('@media only screen'); // MJML's responsive layout
    const visible = visibleText(email.html);
    const greeting = GREETING[locale](String(data.name));
    expect(visible).toContain(greeting);
    expect(visible).toContain(FOOTER[definition.category][locale]);

    expect(email.text.startsWith(`${greeting}\n\n`)).toBe(true);
    expect(email.text).toContain(`\n--\n${FOOTER[definition.category][locale]}`);
    expect(email.text).not.toMatch(/<\/?[a-z][^>]*>/i); // no markup in the plain-text part
    for (const part of [email.subject, email.html, email.text]) expect(part).not.toMatch(/\{\{|\}\}/);

    for (const field of definition.mustInclude) {
      const value = String(data[field]);
      expect(email.text).toContain(value);
      if (field === 'link') {
        // The button and the copy-paste fallback both point at the link, and it is shown.
        expect(hrefs(email.html).filter((h) => h === value)).toHaveLength(2);
        expect(visible).toContain(value);
      } else {
        expect(visible).toContain(value);
      }
    }
  });
});

describe('content that depends on the data', () => {
  it('asks to confirm a new address for an email change', async () => {
    const data = { ...renderer.sampleData('email-verification'), purpose: 'email_change' };
    const en = await renderer.renderEmail({ key: 'email-verification', locale: 'en', data });
    expect(en.subject).toBe('Confirm your new email address');
    expect(visibleText(en.html)).toContain('Confirm new address');
    const pt = await renderer.renderEmail({ key: 'email-verification', locale: 'pt-BR', data });
    expect(pt.subject).toBe('Confirme seu novo endereço de e-mail');
  });

  it('renders optional fields only when present', async () => {
    const { inviter_name: _, ...withoutInviter } = renderer.sampleData('invitation');
    const invitation = await renderer.renderEmail({ key: 'invitation', locale: 'es', data: withoutInviter });
    expect(invitation.subject).toBe('Tienes una invitación a Acme ID');
    expect(invitation.text).toContain('Se creó una cuenta de Acme ID para ti.');

    const { until: __, ...permanent } = renderer.sampleData('security-alert-user-locked');
    const locked = await renderer.renderEmail({
      key: 'security-alert-user-locked',
      locale: 'en',
      data: permanent,
    });
    expect(locked.text).toContain('It stays locked until an administrator unlocks it.');
    expect(locked.text).not.toContain('unlock automatically');

    const failing = await renderer.renderEmail({
      key: 'webhook-failing',
      locale: 'pt-BR',
      data: { ...renderer.sampleData('webhook-failing'), last_status: undefined },
    });
    expect(failing.text).toContain('Última resposta: nenhuma resposta (tempo esgotado ou erro de conexão)');
  });

  it('names the MFA method, the lock reason, the detection rule and who acted, in the locale', async () => {
    const enrolled = await renderer.renderEmail({
      key: 'security-alert-mfa-enrolled',
      locale: 'en',
      data: {
        ...renderer.sampleData('security-alert-mfa-enrolled'),
        method: 'webauthn',
        actor: { type: 'admin' },
      },
    });
    expect(enrolled.text).toContain('was added to your Acme ID account by an administrator on');
    expect(enrolled.text).toContain('Method: security key or passkey');

    const removed = await renderer.renderEmail({
      key: 'security-alert-mfa-removed',
      locale: 'pt-BR',
      data: renderer.sampleData('security-alert-mfa-removed'),
    });
    expect(removed.text).toContain('Método: códigos por SMS');
    expect(removed.text).not.toContain('por um administrador');

    const locked = await renderer.renderEmail({
      key: 'security-alert-user-locked',
      locale: 'es',
      data: renderer.sampleData('security-alert-user-locked'),
    });
    expect(locked.text).toContain('Hubo demasiados intentos fallidos de inicio de sesión.');

    const detected = await renderer.renderEmail({
      key: 'security-alert-security-detected',
      locale: 'en',
      data: { ...renderer.sampleData('security-alert-security-detected'), rule: 'credential_stuffing' },
    });
    expect(detected.text).toContain('sign-in attempts with passwords leaked from other sites');
    expect(detected.text).toContain('Severity: High');
  });

  it('renders a value it does not know yet through the fallback branch instead of failing', async () => {
    const email = await renderer.renderEmail({
      key: 'security-alert-security-detected',
      locale: 'pt-BR',
      data: { ...renderer.sampleData('security-alert-security-detected'), rule: 'impossible_travel' },
    });
    expect(email.text).toContain('atividade incomum (impossible_travel)');
  });

  it('counts the sessions that were signed out, with the right plural', async () => {
    const data = renderer.sampleData('security-alert-password-changed');
    const one = await renderer.renderEmail({
      key: 'security-alert-password-changed',
      locale: 'en',
      data: { ...data, sessions_revoked: 1 },
    });
    expect(one.text).toContain('we signed you out of 1 other session.');
    const none = await renderer.renderEmail({
      key: 'security-alert-password-changed',
      locale: 'en',
      data: { ...data, sessions_revoked: 0 },
    });
    expect(none.text).not.toContain('signed you out');
  });
});

describe('SMS', () => {
  it.each([
    ['en', 'Acme ID: 205913 is your sign-in code. It expires in 35 minutes. Never share it with anyone.'],
    [
      'es',
      'Acme ID: tu código de inicio de sesión es 205913. Caduca dentro de 35 minutos. No lo compartas con nadie.',
    ],
    [
      'pt-BR',
      'Acme ID: seu código de acesso é 205913. Ele expira em 35 minutos. Não compartilhe com ninguém.',
    ],
  ])('otp-code in %s', (locale, expected) => {
    const data = { ...renderer.sampleData('otp-code'), purpose: 'login' };
    const sms = renderer.renderSms({ key: 'otp-code', locale, data });
    expect(plain(sms.text)).toBe(expected);
    expect(sms.locale).toBe(locale);
  });

  it('has no SMS for an email-only template', () => {
    expect(() =>
      renderer.renderSms({
        key: 'password-reset',
        locale: 'en',
        data: renderer.sampleData('password-reset'),
      }),
    ).toThrow(expect.objectContaining({ code: 'channel_not_supported' }));
  });
});

describe('listing and errors', () => {
  it('lists every key × locale × channel', () => {
    const list = renderer.listTemplates();
    expect(list).toHaveLength(TEMPLATE_KEYS.length * 3 + 3); // every email, plus otp-code's SMS
    expect(list).toContainEqual(
      expect.objectContaining({ key: 'otp-code', locale: 'es', channel: 'sms', category: 'transactional' }),
    );
    expect(list).toContainEqual(
      expect.objectContaining({
        key: 'security-alert-token-reuse',
        locale: 'pt-BR',
        channel: 'email',
        category: 'security',
      }),
    );
    expect(new Set(list.map((t) => t.locale))).toEqual(new Set(LOCALES));
  });

  it('refuses an unknown key', async () => {
    await expect(renderer.renderEmail({ key: 'nope', locale: 'en', data: {} })).rejects.toMatchObject({
      code: 'template_not_found',
    });
    expect(() => renderer.sampleData('nope')).toThrow(TemplateError);
  });

  it('refuses data without a required field, naming it', async () => {
    const { link: _, ...data } = renderer.sampleData('password-reset');
    await expect(renderer.renderEmail({ key: 'password-reset', locale: 'en', data })).rejects.toMatchObject({
      code: 'template_data_invalid',
      message: expect.stringContaining('"link" is required'),
    });
  });

  it('refuses wrongly typed data', async () => {
    const data = { ...renderer.sampleData('webhook-failing'), attempts: 'eight', occurred_at: 'yesterday' };
    const error = await renderer.renderEmail({ key: 'webhook-failing', locale: 'en', data }).catch((e) => e);
    expect(error).toBeInstanceOf(TemplateError);
    expect(error.code).toBe('template_data_invalid');
    expect(error.issues.map((i: { message: string }) => i.message)).toEqual([
      '"occurred_at" must be an RFC 3339 date-time',
      '"attempts" must be an integer',
    ]);
  });

  it('ignores data fields the template does not declare', async () => {
    const data = { ...renderer.sampleData('magic-link'), user_id: 'x', product_name: 'Evil Corp' };
    const email = await renderer.renderEmail({ key: 'magic-link', locale: 'en', data });
    expect(email.subject).toBe('Sign in to Acme ID');
    expect(email.text).not.toContain('Evil Corp');
  });

  it('gives the shipped sources of a key, to start an override from', () => {
    const source = renderer.shippedSource('otp-code', 'es');
    expect(source.subject).toContain('Tu código de verificación');
    expect(source.mjml).toContain('<mj-section>');
    expect(source.text).toContain('{{code}}');
    expect(source.sms).toContain('{{code}}');
    expect(renderer.shippedSource('password-reset', 'en').sms).toBeUndefined();
  });
});
