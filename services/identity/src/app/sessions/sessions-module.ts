/**
 * Wiring of sessions and refresh tokens into the service: one set of dependencies per running
 * service (per database), on the token issuer of `keysFor`.
 */
import type { ServiceContext } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import {
  DEFAULT_REFRESH_ABSOLUTE_TTL_SEC,
  DEFAULT_REFRESH_IDLE_TTL_SEC,
  DEFAULT_REFRESH_REUSE_GRACE_SEC,
} from '../../domain/sessions/refresh-token.ts';
import { trustedHopsOf } from '../../domain/throttle/index.ts';
import type { SessionsDatabase } from '../../store/sessions/schema.ts';
import type { AuthenticateClient } from '../clients/authenticate-client.ts';
import { createRefreshGrantEndpoints, type RefreshGrantEndpoints } from '../clients/oauth-endpoints.ts';
import { keysFor } from '../keys/keys-module.ts';
import type { SessionsDeps } from './deps.ts';
import { revokeRefreshTokenFamily, rotateRefreshToken } from './refresh-tokens.ts';
import type { SessionsConfigValues } from './sessions-config.ts';

type SessionsContext = Pick<ServiceContext<TProperties>, 'config' | 'database' | 'logger'>;

const modules = new WeakMap<object, SessionsDeps>();

/** The sessions dependencies of a running service (created on first use, one per database). */
export function sessionsFor(context: SessionsContext): SessionsDeps {
  const existing = modules.get(context.database);
  if (existing !== undefined) return existing;
  // The service's config includes sessionsConfig once merged; the defaults stand in until then.
  const config = context.config as unknown as SessionsConfigValues;
  const keys = keysFor(context as unknown as Parameters<typeof keysFor>[0]);
  const db: Kysely<SessionsDatabase> = context.database.db.withTables<SessionsDatabase>();
  const deps: SessionsDeps = {
    db,
    logger: context.logger,
    issueAccessToken: keys.issueAccessToken,
    idleTtlSec: config.REFRESH_IDLE_TTL_SEC ?? DEFAULT_REFRESH_IDLE_TTL_SEC,
    absoluteTtlSec: config.REFRESH_ABSOLUTE_TTL_SEC ?? DEFAULT_REFRESH_ABSOLUTE_TTL_SEC,
    reuseGraceSec: config.REFRESH_REUSE_GRACE_SEC ?? DEFAULT_REFRESH_REUSE_GRACE_SEC,
    trustedProxyHops: trustedHopsOf(config.TRUST_PROXY),
  };
  modules.set(context.database, deps);
  return deps;
}

/** The refresh grant and refresh-token revocation of `/oauth2/token` and `/oauth2/revoke`. */
export function refreshGrantFor(deps: SessionsDeps, authenticate: AuthenticateClient): RefreshGrantEndpoints {
  return createRefreshGrantEndpoints({
    authenticate,
    rotate: (token, caller) => rotateRefreshToken(deps, token, caller),
    revokeFamily: (token, clientId) => revokeRefreshTokenFamily(deps, token, clientId),
  });
}
