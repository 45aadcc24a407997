/**
 * Use cases of refresh tokens (identity.md "Tokens"; RFC 6749 §6, RFC 9700 §4.14):
 *
 * - `issueFirstRefreshToken`: at login, a family for the new session and its first token.
 * - `rotateRefreshToken`: the refresh grant. The family row is locked (`FOR UPDATE`) and the token
 *   is marked used by one `UPDATE … WHERE used_at IS NULL`, so concurrent refreshes with one token
 *   cannot fork the family: exactly one gets a successor. A rotated token presented again is a
 *   reuse: the family and the session are revoked, with `identity.token.reuse_detected` and
 *   `identity.session.revoked` (reason `reuse_detected`) — except for a benign race (same client,
 *   IP address and user agent within `REFRESH_REUSE_GRACE_SEC`, default 5 s), which is only
 *   refused (`invalid_grant`). Idle (default 30 d) and absolute (default 90 d) expiry. The common
 *   case is one statement; the session's `last_seen_at` moves at most once a minute.
 * - `revokeRefreshTokensOfSession`: logout and session revocation (inside their transaction).
 * - `revokeRefreshTokenFamily`: RFC 7009 revocation of a refresh token (its whole family).
 *
 * Neither tokens nor their hashes ever go into events or logs.
 */
import { createEvent, uuidv7 } from '@authplatform/contracts';
import type { Kysely } from 'kysely';
import { truncateUserAgent } from '../../domain/accounts/login-policy.ts';
import {
  classifyReuse,
  hashRefreshToken,
  looksLikeRefreshToken,
  newRefreshToken,
} from '../../domain/sessions/refresh-token.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import type { SessionsDatabase } from '../../store/sessions/schema.ts';
import { type PresentedToken, sessionsStore } from '../../store/sessions/sessions-store.ts';
import { eventIp } from '../accounts/errors.ts';
import type { AccessTokenInput } from '../keys/issue-access-token.ts';
import type { RefreshCaller, SessionsDeps } from './deps.ts';

export interface FirstRefreshTokenInput {
  sessionId: string;
  userId: string;
  clientId: string;
  /** Seconds since the epoch. */
  authTime: number;
  amr: readonly string[];
  scope?: string | undefined;
}

/**
 * Starts the session's family and returns its first token (the only time it exists in clear), in
 * one statement on `deps.db` — pass a transaction there to create it with the session.
 */
export async function issueFirstRefreshToken(
  deps: Pick<SessionsDeps, 'db' | 'idleTtlSec' | 'absoluteTtlSec'>,
  input: FirstRefreshTokenInput,
): Promise<string> {
  const token = newRefreshToken();
  await sessionsStore(deps.db).insertFamilyWithToken({
    id: uuidv7(),
    session_id: input.sessionId,
    user_id: input.userId,
    client_id: input.clientId,
    auth_time: input.authTime,
    amr: [...input.amr],
    scope: input.scope ?? null,
    absoluteTtlSec: deps.absoluteTtlSec,
    token_hash: token.hash,
    idleTtlSec: deps.idleTtlSec,
  });
  return token.token;
}

export type RefreshOutcome =
  | {
      ok: true;
      accessToken: string;
      expiresIn: number;
      refreshToken: string;
      scope?: string;
      sessionId: string;
    }
  | {
      ok: false;
      /** Why, for logs and tests only: the client always gets the same `invalid_grant`. */
      reason: 'unknown' | 'wrong_client' | 'revoked' | 'expired' | 'concurrent_rotation' | 'reuse_detected';
    };

/** How often a refresh updates its session's `last_seen_at` at most (the sessions list shows it). */
export const SESSION_TOUCH_INTERVAL_SEC = 60;

/**
 * The refresh grant: rotates `token` for `caller` (see the module comment).
 *
 * The common case is one statement (`rotateIfUsable`: lock, mark used, insert the successor, touch
 * the session) and no explicit transaction; the access token is then signed with the key taken
 * before the statement (a synchronous signer: no I/O, nothing that can wait). Every other outcome
 * changes nothing in that statement; a token presented again after its rotation is handled in a
 * transaction of its own (reuse detection with its events), as are the rare races.
 */
export async function rotateRefreshToken(
  deps: SessionsDeps,
  token: string,
  caller: RefreshCaller,
): Promise<RefreshOutcome> {
  if (!looksLikeRefreshToken(token)) return { ok: false, reason: 'unknown' };
  const tokenHash = hashRefreshToken(token);
  const userAgent = truncateUserAgent(caller.userAgent);
  // The signing key before the database: nothing here may wait for a pool connection while
  // holding one (with every connection held by a refresh, that wait never ends — issue 4).
  const sign = await deps.issueAccessToken.signer();
  const next = newRefreshToken();
  const found = await sessionsStore(deps.db).rotateIfUsable({
    tokenHash,
    clientId: caller.clientId,
    nextHash: next.hash,
    ip: caller.ip,
    userAgent,
    idleTtlSec: deps.idleTtlSec,
    touchAfterSec: SESSION_TOUCH_INTERVAL_SEC,
  });
  if (found === undefined) return { ok: false, reason: 'unknown' };
  if (found.rotated) {
    const issued = sign(claimsOf(found));
    return {
      ok: true,
      accessToken: issued.token,
      expiresIn: issued.expiresIn,
      refreshToken: next.token,
      sessionId: found.session_id,
      ...(found.scope === null ? {} : { scope: found.scope }),
    };
  }
  // A token of another client is refused and left alone (RFC 6749 §6: bound to its client).
  if (found.client_id !== caller.clientId) return { ok: false, reason: 'wrong_client' };
  if (found.family_revoked || found.session_revoked || !found.user_active) {
    return { ok: false, reason: 'revoked' };
  }
  if (!found.used) {
    if (found.expired || found.family_expired) return { ok: false, reason: 'expired' };
    // Usable when read, yet another refresh of the same token marked it used first.
    return { ok: false, reason: 'concurrent_rotation' };
  }
  // A used token: reuse detection under the family lock (a used token never becomes usable again).
  const outcome = await handleReuse(deps, tokenHash, userAgent, caller);
  if (!outcome.ok && outcome.reason === 'reuse_detected') {
    deps.logger.warn('refresh token reuse detected: family and session revoked', {
      client_id: caller.clientId,
    });
  }
  return outcome;
}

function claimsOf(found: PresentedToken): AccessTokenInput {
  return {
    sub: found.user_id,
    client_id: found.client_id,
    sid: found.session_id,
    auth_time: Number(found.auth_time),
    amr: [...found.amr],
    ...(found.scope === null ? {} : { scope: found.scope }),
  };
}

/**
 * A token presented again after its rotation, in a transaction under the family lock: a benign
 * race (same client, address and user agent within the grace period) is only refused; otherwise
 * the family and the session are revoked, with `identity.token.reuse_detected` and
 * `identity.session.revoked` in the same transaction. Signs nothing (a used token never becomes
 * usable again), so nothing in it waits for a second pool connection.
 */
async function handleReuse(
  deps: SessionsDeps,
  tokenHash: string,
  userAgent: string,
  caller: RefreshCaller,
): Promise<RefreshOutcome> {
  return deps.db.transaction().execute(async (trx): Promise<RefreshOutcome> => {
    const store = sessionsStore(trx);
    const found = await store.findAndLock(tokenHash);
    if (found === undefined) return { ok: false, reason: 'unknown' };
    if (found.client_id !== caller.clientId) return { ok: false, reason: 'wrong_client' };
    if (found.family_revoked || found.session_revoked || !found.user_active) {
      return { ok: false, reason: 'revoked' };
    }
    const kind = classifyReuse({
      sinceRotationSec: found.since_used_sec ?? Number.POSITIVE_INFINITY,
      graceSec: deps.reuseGraceSec,
      rotatedBy: { clientId: found.client_id, ip: found.used_ip, userAgent: found.used_user_agent },
      presentedBy: { clientId: caller.clientId, ip: caller.ip, userAgent },
    });
    if (kind === 'race') return { ok: false, reason: 'concurrent_rotation' };
    await store.revokeFamily(found.family_id, 'reuse_detected');
    const revokedSessions = await store.revokeSessions(found.user_id, 'reuse_detected', {
      id: found.session_id,
    });
    await store.revokeFamiliesOfSession(found.session_id, 'reuse_detected');
    await enqueueEvent(
      trx,
      createEvent('identity.token.reuse_detected', {
        user_id: found.user_id,
        family_id: found.family_id,
        session_id: found.session_id,
        client_id: found.client_id,
        ip: eventIp(caller.ip),
        user_agent: userAgent,
      }),
    );
    if (revokedSessions.length > 0) {
      await enqueueEvent(
        trx,
        createEvent('identity.session.revoked', {
          user_id: found.user_id,
          session_id: found.session_id,
          reason: 'reuse_detected',
          actor: { type: 'system' },
        }),
      );
    }
    return { ok: false, reason: 'reuse_detected' };
  });
}

/** Revokes the refresh tokens of a session, inside the caller's transaction (logout, session revocation). */
export async function revokeRefreshTokensOfSession(
  db: Kysely<SessionsDatabase>,
  sessionId: string,
  reason: string,
): Promise<number> {
  return sessionsStore(db).revokeFamiliesOfSession(sessionId, reason);
}

/**
 * RFC 7009 for refresh tokens: revokes the token's family when it belongs to `clientId`, and with
 * it the session (one family per session, so the session could not be continued anyway):
 * `identity.session.revoked` with reason `logout`. Unknown tokens and other clients' tokens are
 * left alone; the caller answers 200 either way.
 */
export async function revokeRefreshTokenFamily(
  deps: Pick<SessionsDeps, 'db'>,
  token: string,
  clientId: string,
): Promise<boolean> {
  if (!looksLikeRefreshToken(token)) return false;
  const tokenHash = hashRefreshToken(token);
  return deps.db.transaction().execute(async (trx) => {
    const store = sessionsStore(trx);
    const found = await store.findAndLock(tokenHash);
    if (found === undefined || found.client_id !== clientId || found.family_revoked) return false;
    await store.revokeFamily(found.family_id, 'revoked');
    const revoked = await store.revokeSessions(found.user_id, 'logout', { id: found.session_id });
    await store.revokeFamiliesOfSession(found.session_id, 'logout');
    if (revoked.length > 0) {
      await enqueueEvent(
        trx,
        createEvent('identity.session.revoked', {
          user_id: found.user_id,
          session_id: found.session_id,
          reason: 'logout',
          actor: { type: 'user', id: found.user_id },
        }),
      );
    }
    return true;
  });
}
