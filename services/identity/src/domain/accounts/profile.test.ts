import { describe, expect, it } from '@jest/globals';
import { checkLocale, checkName, checkTimeZone } from './profile.ts';

describe('profile rules', () => {
  it('canonicalises well-formed BCP 47 tags and refuses the rest', () => {
    expect(checkLocale('pt-br')).toEqual({ ok: true, value: 'pt-BR' });
    expect(checkLocale('en')).toEqual({ ok: true, value: 'en' });
    expect(checkLocale('zh-hant-tw')).toEqual({ ok: true, value: 'zh-Hant-TW' });
    for (const bad of ['', 'english', 'en_US', 'e', 'en--US', '12', 'en-US-u-ca-buddhist', 'x'.repeat(40)]) {
      expect(checkLocale(bad).ok).toBe(false);
    }
  });

  it('accepts IANA time zones in their canonical spelling and refuses offsets and unknown names', () => {
    expect(checkTimeZone('Europe/Lisbon')).toEqual({ ok: true, value: 'Europe/Lisbon' });
    expect(checkTimeZone('UTC')).toEqual({ ok: true, value: 'UTC' });
    expect(checkTimeZone('america/sao_paulo')).toEqual({ ok: true, value: 'America/Sao_Paulo' });
    for (const bad of ['', 'Mars/Olympus_Mons', '+01:00', 'GMT+1 ', '../etc/passwd', 'Europe/']) {
      expect(checkTimeZone(bad).ok).toBe(false);
    }
  });

  it('normalises names and refuses empty, too long and control characters', () => {
    expect(checkName('  Ada\u00a0King ')).toEqual({ ok: true, value: 'Ada King' });
    expect(checkName('   ').ok).toBe(false);
    expect(checkName('a'.repeat(201)).ok).toBe(false);
    expect(checkName('😀'.repeat(200)).ok).toBe(true);
    expect(checkName('Ada\u202eKing').ok).toBe(false);
    expect(checkName('Ada\nKing').ok).toBe(false);
  });
});
