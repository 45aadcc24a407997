import { isSensitiveKey } from './sensitive-keys.ts';

export const REDACTED = '[REDACTED]';

/** PEM private keys, including a truncated one with no END line. */
const PEM_PRIVATE_KEY =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[\s\S]*$)/g;

/** Raw header lines, e.g. a dumped request: `Cookie: sid=…`, `Authorization: …`. */
const SECRET_HEADER_LINE =
  /\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key)(\s*:\s*)[^\r\n]+/gi;

/** Credentials after an authorization scheme: `Bearer <token>`, `Basic <base64>`, `DPoP <token>`. */
const AUTH_SCHEME = /\b(Bearer|DPoP|Basic)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi;

/** JWS/JWE compact serialisations: base64url segments starting with `eyJ` (`{"`). */
const JWT = /\beyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2,4}/g;

/** Passwords inside URLs: `postgres://user:pass@host`. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@]{0,256}):[^\s/@]{1,1024}@/gi;

/** Quoted values as in JSON or inspected objects: `"password":"x"`, `{ otp: '123' }`. */
const QUOTED_PAIR = /(["']?)([A-Za-z0-9_.-]{1,64})\1(\s*[:=]\s*)(["'])((?:\\.|(?!\4)[^\\]){0,1024})\4/g;

/** Query-string, form and cookie pairs: `password=x`, `code=abc&state=y`, `sid=…;`. */
const PAIR = /([A-Za-z0-9_.\-[\]]{1,64})=([^&\s#;,'"]+)/g;

/**
 * Longer strings are cut: a log line is no place for megabytes, and every pattern above then runs
 * in bounded time.
 */
export const MAX_STRING_LENGTH = 32_768;

const MAY_HOLD_SECRET = /[:=]|eyJ|bearer|dpop|basic|-----BEGIN/i;

/**
 * Replaces secrets that appear inside free text (log messages, stack traces, URLs) with
 * `[REDACTED]`. Values under sensitive names are handled by `redact`; this catches the rest.
 */
export function scrubString(input: string): string {
  if (input.length < 4) return input;
  // Every pattern above needs one of these (a `:` or `=`, `eyJ`, a scheme name, a PEM header);
  // most strings in logs have none, and one test is far cheaper than seven replacements.
  if (input.length <= MAX_STRING_LENGTH && !MAY_HOLD_SECRET.test(input)) return input;
  const cut = input.length > MAX_STRING_LENGTH;
  const text = cut ? input.slice(0, MAX_STRING_LENGTH) : input;
  const scrubbed = text
    .replace(PEM_PRIVATE_KEY, REDACTED)
    .replace(SECRET_HEADER_LINE, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`)
    .replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(URL_CREDENTIALS, (_m, prefix: string) => `${prefix}:${REDACTED}@`)
    .replace(QUOTED_PAIR, (match, q: string, name: string, sep: string, vq: string) =>
      isSensitiveKey(name) ? `${q}${name}${q}${sep}${vq}${REDACTED}${vq}` : match,
    )
    .replace(PAIR, (match, name: string) => (isSensitiveKey(name) ? `${name}=${REDACTED}` : match));
  return cut ? `${scrubbed}…[${input.length - MAX_STRING_LENGTH} more characters]` : scrubbed;
}
