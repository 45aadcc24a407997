/**
 * Which property, header, query or form names carry secrets. Names are compared after lower-casing
 * and dropping everything but letters and digits, so `access_token`, `accessToken`, `Access-Token`
 * and `ACCESS TOKEN` are the same name.
 */

/** Any name containing one of these is sensitive (`newPassword`, `x-auth-token`, `clientSecret`). */
const CONTAINS =
  /password|passwd|passphrase|secret|token|apikey|privatekey|authorization|cookie|signature|credential|bearer|codeverifier/;

/** Names that are sensitive only on their own (`pwd`, `pin`), since they also occur inside words. */
const EXACT = new Set([
  'pwd',
  'pass',
  'pin',
  'sig',
  'jwt',
  'otp',
  'totp',
  'hotp',
  'code',
  'codes',
  'kek',
  'dek',
]);

/** One-time passwords: `otp_secret`, `smsOtp`, but not `footprint`. */
const OTP = /^otp|otp$/;

/** Codes that are secrets (`otp_code`, `verificationCode`, `recovery_codes`), not `status_code`. */
const SECRET_CODE =
  /(otp|totp|mfa|twofactor|2fa|verification|verify|recovery|backup|reset|confirmation|confirm|device|user|activation|auth|authorization|magic|login|security|onetime|sms|email|pkce|invite|invitation|pairing)codes?$/;

/** Keys that are key material (`signing_key`, `encryptionKey`), not `idempotency_key` or `cache_key`. */
const SECRET_KEY = /(signing|encryption|secret|access|hmac|master|session|client|webhook|private|api)keys?$/;

export function normalizeKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isSensitiveKey(name: string): boolean {
  const key = normalizeKey(name);
  if (key === '') return false;
  return (
    EXACT.has(key) || CONTAINS.test(key) || OTP.test(key) || SECRET_CODE.test(key) || SECRET_KEY.test(key)
  );
}
