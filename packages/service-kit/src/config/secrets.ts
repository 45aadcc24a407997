/**
 * Decides whether the value of a configuration variable may appear in an error message.
 * When in doubt it answers "secret": hiding a harmless value costs little, echoing a key costs a lot.
 */

const SECRET_NAME =
  /(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|PRIVATE|CREDENTIAL|COOKIE|SALT|PEPPER|SIGNATURE|AUTH|DSN|(^|_)(API_?)?KEYS?($|_)|(^|_)[KD]EK($|_)|APIKEY)/i;

/** A URL that carries a password (`postgres://user:pass@host/db`). */
function hasUrlCredentials(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value);
}

export interface SecretHint {
  /** The variable's schema; `secret: true` marks it explicitly. */
  schema?: { readonly [keyword: string]: unknown } | undefined;
  /** The raw value, checked for embedded credentials. */
  value?: string | undefined;
}

export function isSecretVariable(name: string, hint: SecretHint = {}): boolean {
  if (hint.schema?.secret === true) return true;
  if (SECRET_NAME.test(name)) return true;
  return hint.value !== undefined && hasUrlCredentials(hint.value);
}
