/**
 * Use case: password login (identity.md "Login, MFA and sessions", "Credentials and abuse").
 *
 * 1. The throttle reserves one attempt (per account, keyed by the address whether or not it
 *    exists, and per IP); locked or limited → `429` with `Retry-After`.
 * 2. The password is verified against the stored hash, or `dummyVerify` does the same work for an
 *    unknown address.
 * 3. Unknown user, wrong password, unverified or disabled account → the same `401`; the reason
 *    goes only to `identity.login.failed` (with the address as `email_hash`).
 * 4. Success: the hash is upgraded when its parameters are old, a session is created with
 *    `identity.login.succeeded` in one transaction, and an access token is issued for it.
 *
 * Seams for later work: MFA slots in between 3 and 4 (an `mfa_required` outcome instead of
 * tokens), and refresh tokens through `LoginOptions.issueRefreshToken` (by default
 * `deps.loginOptions`, wired by `accountsFor`).
 */
import { createEvent, uuidv7 } from '@authplatform/contracts';
import { problems } from '@authplatform/service-kit';
import type { Kysely } from 'kysely';
import { emailHash, normalizeEmail } from '../../domain/accounts/email.ts';
import {
  type LoginRefusal,
  loginRefusal,
  PASSWORD_AMR,
  PLATFORM_CLIENT_ID,
  truncateUserAgent,
} from '../../domain/accounts/login-policy.ts';
import { dummyVerify, hashPassword, verifyPassword } from '../../domain/password/index.ts';
import type { LoginSubject } from '../../domain/throttle/index.ts';
import { accountsStore, type User } from '../../store/accounts/accounts-store.ts';
import type { AccountsDatabase } from '../../store/accounts/schema.ts';
import { claimsFor } from '../../store/claims/claims-store.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import { announceLock } from './announce-lock.ts';
import type { AccountsDeps, ClientInfo } from './deps.ts';
import { eventIp, invalidCredentials } from './errors.ts';

export interface LoginInput {
  email: string;
  password: string;
}

/** A session that was just created, as handed to a refresh-token issuer. */
export interface NewSessionInfo {
  sessionId: string;
  userId: string;
  clientId: string;
  authTime: number;
  /** The login's method references (RFC 8176), for the access tokens of later refreshes. */
  amr: string[];
}

export interface LoginOptions {
  /**
   * Issues the session's first refresh token (RFC 6749 `refresh_token` in the response), in `trx`:
   * the transaction that creates the session.
   */
  issueRefreshToken?: (session: NewSessionInfo, trx: Kysely<AccountsDatabase>) => Promise<string>;
}

/** Deps with the service's default options (wired by `accountsFor` once refresh tokens are configured). */
export type LoginDeps = AccountsDeps & { loginOptions?: LoginOptions | undefined };

/** The outcome of a login. `mfa_required` will join this union when MFA exists. */
export type LoginOutcome = {
  kind: 'tokens';
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  sessionId: string;
  refreshToken?: string;
};

type FailureReason = 'bad_password' | 'unknown_user' | 'locked' | LoginRefusal;

async function recordFailedLogin(
  deps: AccountsDeps,
  reason: FailureReason,
  email: string,
  user: User | undefined,
  client: ClientInfo,
): Promise<void> {
  try {
    await enqueueEvent(
      deps.db,
      createEvent(
        'identity.login.failed',
        {
          ...(user === undefined ? {} : { user_id: user.id }),
          reason,
          ip: eventIp(client.ip),
          user_agent: truncateUserAgent(client.userAgent),
          email_hash: emailHash(email),
        },
        // The catalogue's subject is `user/{user_id}`; unknown users get one keyed by the hash.
        user === undefined ? { subject: `email/${emailHash(email)}` } : {},
      ),
    );
  } catch (error) {
    // The answer must not change because the audit trail failed; the error is logged.
    deps.logger.error('could not record a failed login', { error });
  }
}

export async function login(
  deps: LoginDeps,
  input: LoginInput,
  client: ClientInfo,
  options: LoginOptions = {},
): Promise<LoginOutcome> {
  const email = normalizeEmail(input.email);
  const subject: LoginSubject = { account: email, ip: client.ip };
  const gate = await deps.throttle.begin(subject);
  const store = accountsStore(deps.db);
  if (!gate.allowed) {
    if (gate.locked) await recordFailedLogin(deps, 'locked', email, undefined, client);
    if (gate.newlyLocked === true)
      await announceLock(deps, (await store.findUserByEmail(email))?.id, gate.retryAfterSec);
    throw problems.tooManyRequests(gate.retryAfterSec);
  }

  const user = await store.findUserForLogin(email);
  const storedHash = user?.password_hash ?? undefined;
  // Unknown address (or an account without a password yet): the same argon2 work, always false.
  const result =
    storedHash === undefined
      ? await dummyVerify(input.password)
      : await verifyPassword(storedHash, input.password);

  if (!result.ok) {
    const after = await deps.throttle.recordFailure(subject);
    if (after.newlyLocked === true) await announceLock(deps, user?.id, after.retryAfterSec);
    await recordFailedLogin(deps, user === undefined ? 'unknown_user' : 'bad_password', email, user, client);
    throw invalidCredentials();
  }
  // `result.ok` implies a user with a password hash.
  const account = user as User & { locked: boolean };
  // Locks from security detections or admins (user_locks) refuse like any other reason: generic 401.
  const refusal = loginRefusal(account) ?? (account.locked ? ('locked' as const) : undefined);
  if (refusal !== undefined) {
    await recordFailedLogin(deps, refusal, email, account, client);
    throw invalidCredentials();
  }
  await deps.throttle.recordSuccess(subject);

  if (result.needsRehash) {
    try {
      await store.updatePasswordHash(account.id, await hashPassword(input.password));
    } catch (error) {
      // The old hash still verifies; the upgrade is retried at the next login.
      deps.logger.warn('password hash upgrade failed', { error });
    }
  }

  // (MFA goes here: when the account has a second factor, answer `mfa_required` instead.)
  const sessionId = uuidv7();
  const userAgent = truncateUserAgent(client.userAgent);
  const authTime = Math.floor(Date.now() / 1000);
  const issueRefreshToken = options.issueRefreshToken ?? deps.loginOptions?.issueRefreshToken;
  // One transaction: the session, its `identity.login.succeeded`, and its first refresh token.
  const refreshToken = await deps.db.transaction().execute(async (trx) => {
    const { knownDevice } = await accountsStore(trx).insertSessionFromDevice({
      id: sessionId,
      user_id: account.id,
      ip: client.ip,
      user_agent: userAgent,
    });
    await enqueueEvent(
      trx,
      createEvent('identity.login.succeeded', {
        user_id: account.id,
        session_id: sessionId,
        client_id: PLATFORM_CLIENT_ID,
        amr: [...PASSWORD_AMR],
        ip: eventIp(client.ip),
        user_agent: userAgent,
        new_device: !knownDevice,
      }),
    );
    return issueRefreshToken?.(
      {
        sessionId,
        userId: account.id,
        clientId: PLATFORM_CLIENT_ID,
        authTime,
        amr: [...PASSWORD_AMR],
      },
      trx,
    );
  });

  // Global roles and flattened permissions from the authz projection (src/events).
  const issued = await deps.issueAccessToken({
    ...(await claimsFor(deps.db, account.id)),
    sub: account.id,
    client_id: PLATFORM_CLIENT_ID,
    sid: sessionId,
    amr: [...PASSWORD_AMR],
    auth_time: authTime,
  });
  return {
    kind: 'tokens',
    accessToken: issued.token,
    tokenType: 'Bearer',
    expiresIn: issued.expiresIn,
    sessionId,
    ...(refreshToken === undefined ? {} : { refreshToken }),
  };
}
