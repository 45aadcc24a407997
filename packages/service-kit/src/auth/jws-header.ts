import { MAX_TOKEN_LENGTH } from './bearer.ts';
import { tokenProblem } from './token-error.ts';

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);

export interface AccessTokenHeader {
  kid: string;
}

/**
 * Checks the protected header of a compact JWS before any key lookup or signature check:
 * three base64url segments, `alg` exactly `ES256` (never `none`, HS* or RS*), `typ` `at+jwt`
 * (RFC 9068), a `kid`, and no `crit` extensions. Keys named in the header (`jwk`, `jku`, `x5u`,
 * `x5c`) are ignored: keys come only from the configured JWKS.
 */
export function checkAccessTokenHeader(token: string): AccessTokenHeader {
  if (token.length > MAX_TOKEN_LENGTH) throw tokenProblem('token_malformed');
  const parts = token.split('.');
  if (parts.length !== 3) throw tokenProblem('token_malformed');
  const [encodedHeader = '', encodedPayload = '', signature = ''] = parts;
  if (!SEGMENT.test(encodedHeader) || !SEGMENT.test(encodedPayload)) throw tokenProblem('token_malformed');

  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
  } catch (error) {
    throw tokenProblem('token_malformed', error);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw tokenProblem('token_malformed');
  const { alg, typ, kid, crit } = header as Record<string, unknown>;

  if (alg !== 'ES256') throw tokenProblem('token_alg_not_allowed');
  if (!SEGMENT.test(signature)) throw tokenProblem('token_malformed');
  if (typeof typ !== 'string' || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase()))
    throw tokenProblem('token_type_invalid');
  if (crit !== undefined) throw tokenProblem('token_malformed');
  if (typeof kid !== 'string' || kid === '' || kid.length > 256) throw tokenProblem('token_kid_missing');
  return { kid };
}
