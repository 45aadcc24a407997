import { type ProblemError, problems } from '../errors/problem.ts';

/** Stable reasons a bearer token is refused; the `code` of the 401's `cause`. */
export type TokenErrorCode =
  | 'token_missing'
  | 'token_malformed'
  | 'token_alg_not_allowed'
  | 'token_type_invalid'
  | 'token_kid_missing'
  | 'token_kid_unknown'
  | 'token_signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_issuer_invalid'
  | 'token_audience_invalid'
  | 'token_claims_invalid'
  | 'token_invalid'
  | 'jwks_unavailable';

/** What the client is told. Never contains the token or any part of it. */
const DETAILS: Record<TokenErrorCode, string> = {
  token_missing: 'A bearer access token is required.',
  token_malformed: 'The access token is malformed.',
  token_alg_not_allowed: 'The access token must be signed with ES256.',
  token_type_invalid: 'The token is not an access token (typ must be at+jwt).',
  token_kid_missing: 'The access token does not name its signing key (kid).',
  token_kid_unknown: 'The access token was signed with an unknown key.',
  token_signature_invalid: 'The access token signature is invalid.',
  token_expired: 'The access token has expired.',
  token_not_yet_valid: 'The access token is not valid yet.',
  token_issuer_invalid: 'The access token was not issued by the expected issuer.',
  token_audience_invalid: 'The access token is not intended for this service.',
  token_claims_invalid: 'The access token lacks required claims.',
  token_invalid: 'The access token is invalid.',
  jwks_unavailable: 'The token signing keys are unavailable; retry later.',
};

/** Why a token was refused; carried as the `cause` of the 401 `ProblemError`. */
export class TokenError extends Error {
  readonly code: TokenErrorCode;

  constructor(code: TokenErrorCode, options?: { cause?: unknown }) {
    super(DETAILS[code], options);
    this.name = 'TokenError';
    this.code = code;
  }
}

/** The 401 answer for a refused token; `cause` is the internal reason (logged, not sent). */
export function tokenProblem(code: TokenErrorCode, cause?: unknown): ProblemError {
  const error = problems.unauthorized(DETAILS[code], new TokenError(code, { cause }));
  // RFC 6750 §3.1: a request without credentials gets no error code.
  if (code === 'token_missing') error.headers['WWW-Authenticate'] = 'Bearer';
  return error;
}
