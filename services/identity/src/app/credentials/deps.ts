import type { Logger, ServiceContext } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { createPasswordPolicy } from '../../domain/password/index.ts';
import type { AttemptStore, LoginThrottle } from '../../domain/throttle/index.ts';
import type { CredentialsDatabase } from '../../store/credentials/schema.ts';
import { accountsFor } from '../accounts/accounts-module.ts';

/** What the credentials use cases need (built by `credentialsFor`, or by hand in tests). */
export interface CredentialsDeps {
  /** The service database; its `outbox` table is in the same schema. */
  db: Kysely<CredentialsDatabase>;
  logger: Pick<Logger, 'warn' | 'error' | 'info'>;
  policy: ReturnType<typeof createPasswordPolicy>;
  /** The login throttle: password changes count against it, resets unlock it. */
  throttle: LoginThrottle;
  /** The throttle's counters, also used to rate-limit reset and email-change requests. */
  attempts: AttemptStore;
  /** Base of links in emails, without a trailing slash. */
  linkBaseUrl: string;
  /** Least time a reset request takes, whether or not the address has an account. */
  resetRequestFloorMs: number;
  /** Seconds since the epoch (for `auth_time` checks). */
  nowSec: () => number;
}

/** Default `resetRequestFloorMs`: above the real work's time, so both answers take the floor. */
export const RESET_REQUEST_FLOOR_MS = 250;

type CredentialsContext = Pick<ServiceContext<TProperties>, 'config' | 'database' | 'logger' | 'lifecycle'>;

const modules = new WeakMap<object, CredentialsDeps>();

/**
 * The credentials dependencies of a running service (one per database), sharing the accounts
 * module's password policy, throttle and attempt store, so lockouts and unlocks are the login's.
 */
export function credentialsFor(context: CredentialsContext): CredentialsDeps {
  const existing = modules.get(context.database);
  if (existing !== undefined) return existing;
  const accounts = accountsFor(context);
  const deps: CredentialsDeps = {
    db: context.database.db.withTables<CredentialsDatabase>(),
    logger: accounts.logger,
    policy: accounts.policy,
    throttle: accounts.throttle,
    attempts: accounts.attempts,
    linkBaseUrl: accounts.linkBaseUrl,
    resetRequestFloorMs: RESET_REQUEST_FLOOR_MS,
    nowSec: () => Math.floor(Date.now() / 1000),
  };
  modules.set(context.database, deps);
  return deps;
}
