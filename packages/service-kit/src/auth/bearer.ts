import { tokenProblem } from './token-error.ts';

/** RFC 6750 §2.1: `Bearer` (any case), one or more spaces, a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Longer tokens are refused before any parsing (they are not ours, and cost time to parse). */
export const MAX_TOKEN_LENGTH = 8192;

/** The token of an `Authorization: Bearer …` header, or a 401 `ProblemError`. */
export function parseBearer(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') throw tokenProblem('token_missing');
  if (authorization.length > MAX_TOKEN_LENGTH + 16) throw tokenProblem('token_malformed');
  const match = BEARER.exec(authorization);
  if (match?.[1] === undefined) throw tokenProblem('token_malformed');
  return match[1];
}
