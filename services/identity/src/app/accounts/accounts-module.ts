/**
 * Wiring of accounts into the service: one store, password policy, login throttle and token
 * issuer per running service (per database), shared by the routes and the use cases.
 */
import type { ServiceContext } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { createPasswordPolicy } from '../../domain/password/index.ts';
import { type AttemptStore, createLoginThrottle, type LoginThrottle } from '../../domain/throttle/index.ts';
import type { AccountsDatabase } from '../../store/accounts/schema.ts';
import type { SessionsDatabase } from '../../store/sessions/schema.ts';
import { createPostgresAttemptStore, createRedisAttemptStore } from '../../store/throttle/index.ts';
import type { AttemptCountersTables } from '../../store/throttle/postgres-attempt-store.ts';
import { keysFor } from '../keys/keys-module.ts';
import { issueFirstRefreshToken, revokeRefreshTokensOfSession } from '../sessions/refresh-tokens.ts';
import { sessionsConfigured } from '../sessions/sessions-config.ts';
import { sessionsFor } from '../sessions/sessions-module.ts';
import { type AccountsConfigValues, DEV_LINK_BASE_URL } from './accounts-config.ts';
import type { AccountsDeps } from './deps.ts';
import type { LoginOptions } from './login.ts';
import type { LogoutOptions } from './logout.ts';

type AccountsContext = Pick<ServiceContext<TProperties>, 'config' | 'database' | 'logger' | 'lifecycle'>;

const modules = new WeakMap<object, AccountsDeps>();

/** The attempt counters: Redis when `REDIS_URL` is set (closed at shutdown), else Postgres. */
function attemptStore(context: AccountsContext, config: AccountsConfigValues): AttemptStore {
  if (config.REDIS_URL !== undefined && config.REDIS_URL !== '') {
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    context.lifecycle.onShutdown('redis (attempt counters)', async () => {
      await redis.quit();
    });
    return createRedisAttemptStore(redis, { prefix: 'identity:' });
  }
  // The service runs every migration, so `attempt_gate` (0010) exists: a login starts in one round trip.
  return createPostgresAttemptStore(
    context.database.db.withTables<{ attempt_counters: AttemptCountersTables['attempt_counters'] }>(),
    { gate: true },
  );
}

/** The accounts dependencies of a running service (created on first use, one per database). */
export function accountsFor(context: AccountsContext): AccountsDeps {
  const existing = modules.get(context.database);
  if (existing !== undefined) return existing;
  // The service's config includes credentialsConfig (and accountsConfig once merged; fallbacks below).
  const config = context.config as unknown as AccountsConfigValues;
  if (config.TRUST_PROXY === true) {
    // Refused in production (trustProxyProductionRules); here a loud reminder.
    context.logger.warn(
      'TRUST_PROXY=true believes the leftmost X-Forwarded-For entry, which any client writes: login throttling can be escaped. Give the hop count or the proxies’ addresses.',
    );
  }
  const store = attemptStore(context, config);
  const throttle: LoginThrottle = createLoginThrottle({
    store,
    threshold: config.LOCKOUT_THRESHOLD,
    lockSec: config.LOCKOUT_DURATION_SEC,
    perIpLimit: config.LOGIN_IP_LIMIT,
    ipWindowSec: config.LOGIN_IP_WINDOW_SEC,
  });
  // keysFor needs the keys part of the config, which identity's config includes.
  const keys = keysFor(context as unknown as Parameters<typeof keysFor>[0]);
  const db: Kysely<AccountsDatabase> = context.database.db.withTables<AccountsDatabase>();
  const deps: AccountsDeps & { loginOptions?: LoginOptions; logoutOptions?: LogoutOptions } = {
    db,
    logger: context.logger,
    policy: createPasswordPolicy({ minLength: config.PASSWORD_MIN_LENGTH }),
    throttle,
    attempts: store,
    issueAccessToken: keys.issueAccessToken,
    linkBaseUrl: (config.ACCOUNT_LINK_BASE_URL ?? config.TOKEN_ISSUER ?? DEV_LINK_BASE_URL).replace(
      /\/+$/,
      '',
    ),
    defaultLocale: config.DEFAULT_LOCALE ?? 'en',
    defaultTimezone: config.DEFAULT_TIMEZONE ?? 'UTC',
  };
  // Refresh tokens (src/app/sessions) are switched on with `sessionsConfig` (and its migration):
  // login issues the session's first one, logout revokes them in its transaction.
  if (sessionsConfigured(context.config)) {
    const sessions = sessionsFor(context);
    deps.loginOptions = {
      issueRefreshToken: (session, trx) =>
        issueFirstRefreshToken({ ...sessions, db: trx.withTables<SessionsDatabase>() }, session),
    };
    deps.logoutOptions = {
      revokeRefreshTokens: async (trx, sessionId) => {
        await revokeRefreshTokensOfSession(trx.withTables<SessionsDatabase>(), sessionId, 'logout');
      },
    };
  }
  modules.set(context.database, deps);
  return deps;
}
