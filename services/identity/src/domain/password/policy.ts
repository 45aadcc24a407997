import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Password policy after NIST SP 800-63B §3.1.1.2: a minimum length (12 by default), a maximum of
 * 128 characters, every Unicode character allowed, no composition rules, and a blocklist (the
 * bundled common/breached passwords of `@zxcvbn-ts/language-common`, and the user's email).
 *
 * Lengths count Unicode code points of the NFKC form, the form that is hashed.
 */

export type PasswordRejection = 'too_short' | 'too_long' | 'common' | 'contains_email';

export interface PasswordPolicyOptions {
  /** Minimum length in code points; default 12. NIST's floor is 8. */
  minLength?: number;
  /** Maximum length in code points; default 128. */
  maxLength?: number;
}

export interface PasswordCheckContext {
  /** The account's email: the password may contain neither it nor its local part (case-insensitive). */
  email?: string | undefined;
}

export type PasswordCheck = { ok: true; password: string } | { ok: false; reasons: PasswordRejection[] };

export const DEFAULT_MIN_LENGTH = 12;
export const DEFAULT_MAX_LENGTH = 128;
/** Local parts shorter than this are not searched for (a 1–2 letter local part would reject at random). */
const MIN_LOCAL_PART = 3;

let common: ReadonlySet<string> | undefined;

/** The bundled list (about 49k entries, lower-case), loaded into a Set once, on first use. */
export function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.normalize('NFKC').toLowerCase()));
  return common;
}

/** Unicode code points of a string (a surrogate pair counts once). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Case folding for the blocklist and email comparisons. */
function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

/**
 * Checks a new password. Returns the NFKC-normalised password to hash when it passes, or every
 * reason it fails (stable codes, in this order: `too_short`, `too_long`, `common`, `contains_email`).
 */
export function checkPassword(
  password: string,
  context: PasswordCheckContext = {},
  options: PasswordPolicyOptions = {},
): PasswordCheck {
  const minLength = options.minLength ?? DEFAULT_MIN_LENGTH;
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const normalized = password.normalize('NFKC');
  const length = codePointLength(normalized);
  const reasons: PasswordRejection[] = [];

  if (length < minLength) reasons.push('too_short');
  if (length > maxLength) reasons.push('too_long');

  const folded = fold(normalized);
  if (commonPasswords().has(folded)) reasons.push('common');

  const email = context.email === undefined ? '' : fold(context.email.trim());
  if (email !== '') {
    const at = email.lastIndexOf('@');
    const local = at > 0 ? email.slice(0, at) : email;
    if (folded.includes(email) || (codePointLength(local) >= MIN_LOCAL_PART && folded.includes(local))) {
      reasons.push('contains_email');
    }
  }

  return reasons.length === 0 ? { ok: true, password: normalized } : { ok: false, reasons };
}

/** A policy bound to configured lengths. */
export function createPasswordPolicy(options: PasswordPolicyOptions = {}) {
  return {
    check: (password: string, context: PasswordCheckContext = {}): PasswordCheck =>
      checkPassword(password, context, options),
  };
}
