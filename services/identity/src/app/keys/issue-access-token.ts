/** Use case: issue an access token (RFC 9068 JWT, ES256) with the active signing key. */
import { uuidv7 } from '@authplatform/contracts';
import jwt from 'jsonwebtoken';
import { SIGNING_ALG } from '../../domain/keys/key-material.ts';
import type { ActiveSigningKey, SigningKeys } from './signing-keys.ts';

/** What the caller decides; `iss`, `aud`, `iat`, `exp` and `jti` are set here. */
export interface AccessTokenInput {
  sub: string;
  client_id: string;
  sid?: string;
  /** Space-separated scopes (RFC 6749 §3.3). */
  scope?: string;
  /** Seconds since the epoch of the user's authentication. */
  auth_time?: number;
  amr?: string[];
  roles?: string[];
  permissions?: string[];
}

export interface IssuedAccessToken {
  /** The compact JWT. */
  token: string;
  jti: string;
  kid: string;
  iat: number;
  exp: number;
  /** `exp - iat`: the `expires_in` of a token response. */
  expiresIn: number;
}

export interface AccessTokenIssuerOptions {
  keys: Pick<SigningKeys, 'activeKey'>;
  /** `TOKEN_ISSUER`. */
  issuer: string;
  /** `TOKEN_AUDIENCE`. */
  audience: string;
  /** `ACCESS_TOKEN_TTL_SEC`. */
  ttlSec: number;
  now?: () => Date;
}

/** Signs with the key it was made with: no I/O, safe inside a transaction. */
export type SignAccessToken = (claims: AccessTokenInput) => IssuedAccessToken;

export interface IssueAccessToken {
  (claims: AccessTokenInput): Promise<IssuedAccessToken>;
  /**
   * A synchronous signer bound to the key active now. A use case that signs inside a transaction
   * takes it before the transaction begins: looking up the active key may need a pool connection,
   * and waiting for a second connection while holding one deadlocks the pool under load.
   */
  signer(): Promise<SignAccessToken>;
}

export function createAccessTokenIssuer(options: AccessTokenIssuerOptions): IssueAccessToken {
  const now = options.now ?? (() => new Date());
  const signWith =
    ({ kid, privateKey }: ActiveSigningKey): SignAccessToken =>
    (input) => {
      if (typeof input.sub !== 'string' || input.sub === '') throw new TypeError('sub is required');
      if (typeof input.client_id !== 'string' || input.client_id === '')
        throw new TypeError('client_id is required');
      const iat = Math.floor(now().getTime() / 1000);
      const exp = iat + options.ttlSec;
      const jti = uuidv7();
      // Registered claims last, so optional input can never override them.
      const payload: Record<string, unknown> = {
        ...optional(input),
        iss: options.issuer,
        aud: options.audience,
        sub: input.sub,
        client_id: input.client_id,
        iat,
        exp,
        jti,
      };
      const token = jwt.sign(payload, privateKey, {
        algorithm: SIGNING_ALG,
        keyid: kid,
        header: { alg: SIGNING_ALG, typ: 'at+jwt', kid },
      });
      return { token, jti, kid, iat, exp, expiresIn: exp - iat };
    };
  const issue = async (input: AccessTokenInput) => signWith(await options.keys.activeKey())(input);
  return Object.assign(issue, { signer: async () => signWith(await options.keys.activeKey()) });
}

function optional(input: AccessTokenInput): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (input.sid !== undefined) claims.sid = input.sid;
  if (input.scope !== undefined) claims.scope = input.scope;
  if (input.auth_time !== undefined) claims.auth_time = input.auth_time;
  if (input.amr !== undefined) claims.amr = [...input.amr];
  if (input.roles !== undefined) claims.roles = [...input.roles];
  if (input.permissions !== undefined) claims.permissions = [...input.permissions];
  return claims;
}
