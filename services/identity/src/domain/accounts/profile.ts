/**
 * Rules of the self-service profile fields (`PATCH /v1/me`): a display name, a BCP 47 locale and an
 * IANA time zone. Pure: each value is checked and put in its canonical form, or refused with a reason.
 */

/** The event contract's limits (`identity.user.updated`). */
export const MAX_NAME_LENGTH = 200;
/** Well-formed BCP 47 tags the event contract accepts (no single-letter extension subtags). */
const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const MAX_LOCALE_LENGTH = 35;
/** IANA names (`Area/Location`, `UTC`); offsets such as `+01:00` are refused. */
const TIME_ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
const MAX_TIME_ZONE_LENGTH = 64;

export type ProfileCheck = { ok: true; value: string } | { ok: false; reason: string };

/**
 * A display name: NFKC, trimmed, 1–200 code points, no control or format characters (they can hide
 * text or break the emails and UIs that show the name).
 */
export function checkName(raw: string): ProfileCheck {
  const value = raw.normalize('NFKC').trim();
  if (value === '') return { ok: false, reason: 'The name must not be empty.' };
  if ([...value].length > MAX_NAME_LENGTH)
    return { ok: false, reason: `The name must be at most ${MAX_NAME_LENGTH} characters.` };
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(value))
    return { ok: false, reason: 'The name must not contain control characters.' };
  return { ok: true, value };
}

/** A well-formed BCP 47 language tag, canonicalised by `Intl` (`pt-br` → `pt-BR`). */
export function checkLocale(raw: string): ProfileCheck {
  let canonical: string | undefined;
  try {
    [canonical] = Intl.getCanonicalLocales(raw);
  } catch {
    canonical = undefined;
  }
  if (canonical === undefined || canonical.length > MAX_LOCALE_LENGTH || !LOCALE_PATTERN.test(canonical))
    return { ok: false, reason: 'Not a BCP 47 language tag such as en or pt-BR.' };
  return { ok: true, value: canonical };
}

/** A time zone of the IANA database as this runtime knows it, in its canonical spelling. */
export function checkTimeZone(raw: string): ProfileCheck {
  if (raw.length > MAX_TIME_ZONE_LENGTH || !TIME_ZONE_PATTERN.test(raw))
    return { ok: false, reason: 'Not an IANA time zone such as Europe/Lisbon or UTC.' };
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en', { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    return { ok: false, reason: 'Not an IANA time zone such as Europe/Lisbon or UTC.' };
  }
  // Intl also accepts offsets; only names are time zones here.
  if (!TIME_ZONE_PATTERN.test(canonical))
    return { ok: false, reason: 'Not an IANA time zone such as Europe/Lisbon or UTC.' };
  return { ok: true, value: canonical };
}
