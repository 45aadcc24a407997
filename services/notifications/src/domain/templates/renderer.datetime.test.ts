// Times show in the recipient's time zone and language (Intl), and expiries read as durations.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { describeUserAgent, formatRelative } from './helpers.ts';
import type { TemplateRenderer } from './renderer.ts';
import { createRendererForTest, NOW, plain } from './test-support.ts';

let renderer: TemplateRenderer;
beforeAll(async () => {
  renderer = await createRendererForTest();
});

// A fixed instant: 17:02 UTC on 28 November 2026.
const occurredAt = '2026-11-28T17:02:11.123Z';

async function changedAt(locale: string, timezone: string): Promise<string> {
  const email = await renderer.renderEmail({
    key: 'security-alert-password-changed',
    locale,
    timezone,
    data: { ...renderer.sampleData('security-alert-password-changed'), occurred_at: occurredAt },
  });
  return plain(email.text);
}

describe('dates in the recipient time zone and locale', () => {
  it.each([
    ['en', 'Europe/London', 'on November 28, 2026 at 5:02 PM GMT.'],
    ['en', 'America/Sao_Paulo', 'on November 28, 2026 at 2:02 PM GMT-3.'],
    ['en', 'Asia/Tokyo', 'on November 29, 2026 at 2:02 AM GMT+9.'],
    ['pt-BR', 'America/Sao_Paulo', 'em 28 de novembro de 2026 às 14:02 BRT.'],
    ['es', 'Europe/Madrid', 'el 28 de noviembre de 2026 a las 18:02 CET.'],
    ['es', 'America/Mexico_City', 'el 28 de noviembre de 2026 a las 11:02 GMT-6.'],
  ])('%s in %s', async (locale, timezone, expected) => {
    expect(await changedAt(locale, timezone)).toContain(expected);
  });

  it('uses UTC when no zone is given, and when the zone is unknown', async () => {
    expect(await changedAt('en', '')).toContain('at 5:02 PM UTC.');
    const email = await renderer.renderEmail({
      key: 'security-alert-password-changed',
      locale: 'en',
      timezone: 'Mars/Olympus_Mons',
      data: renderer.sampleData('security-alert-password-changed'),
    });
    expect(email.timezone).toBe('UTC');
    expect(plain(email.text)).toContain('at 5:02 PM UTC.');
  });

  it('shows the time alone where a date would be noise (the code expiry)', async () => {
    const email = await renderer.renderEmail({
      key: 'otp-code',
      locale: 'en',
      timezone: 'America/New_York',
      data: renderer.sampleData('otp-code'),
    });
    expect(plain(email.text)).toContain('The code expires in 35 minutes (12:07 PM EST).');
  });
});

describe('relative durations', () => {
  const in30Minutes = new Date(NOW.getTime() + 30 * 60_000).toISOString();

  it.each([
    ['en', 'This link expires in 30 minutes ('],
    ['pt-BR', 'Este link expira em 30 minutos ('],
    ['es', 'Este enlace caduca dentro de 30 minutos ('],
  ])('a reset link that expires in 30 minutes, in %s', async (locale, expected) => {
    const email = await renderer.renderEmail({
      key: 'password-reset',
      locale,
      data: { ...renderer.sampleData('password-reset'), expires_at: in30Minutes },
    });
    expect(email.text).toContain(expected);
  });

  it.each([
    [45 * 1000, 'en', 'in 45 seconds'],
    [30 * 60_000, 'en', 'in 30 minutes'],
    [60 * 60_000, 'en', 'in 1 hour'],
    [90 * 60_000, 'en', 'in 90 minutes'],
    [(24 * 60 + 30) * 60_000, 'en', 'in 24 hours'], // rounds down: never later than it is
    [7 * 86_400_000 + 30 * 60_000, 'en', 'in 7 days'],
    [-5 * 60_000, 'en', '5 minutes ago'],
    [2 * 3600_000, 'pt-BR', 'em 2 horas'],
    [3 * 86_400_000, 'es', 'dentro de 3 días'],
  ])('%d ms from now in %s reads "%s"', (offset, locale, expected) => {
    expect(formatRelative(new Date(NOW.getTime() + offset), locale, NOW)).toBe(expected);
  });
});

describe('device descriptions', () => {
  it.each([
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      'Chrome 131, Linux',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari 17, iOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Firefox 133, Windows',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge 131, macOS',
    ],
    ['curl/8.5.0', 'curl 8'],
    ['SomeBot', 'SomeBot'],
  ])('%s', (userAgent, expected) => {
    expect(describeUserAgent(userAgent)).toBe(expected);
  });

  it('cuts an unknown, long User-Agent', () => {
    expect(describeUserAgent('x'.repeat(500))).toHaveLength(120);
  });
});
