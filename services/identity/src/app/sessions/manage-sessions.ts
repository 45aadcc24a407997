/**
 * Use cases: a user's own sessions (identity.md "Login, MFA and sessions"): list the live ones,
 * revoke one (only their own: another user's id is simply not found), revoke all but the current.
 * Revoking a session revokes its refresh tokens in the same transaction, with one
 * `identity.session.revoked` (reason `user_revoked`) per session.
 */
import { createEvent } from '@authplatform/contracts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import type { LiveSession } from '../../store/sessions/sessions-store.ts';
import { sessionsStore } from '../../store/sessions/sessions-store.ts';
import type { SessionsDeps } from './deps.ts';

/** Sessions listed at most (newest first). */
export const MAX_LISTED_SESSIONS = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string | undefined): value is string {
  return value !== undefined && UUID.test(value);
}

export async function listSessions(
  deps: Pick<SessionsDeps, 'db' | 'absoluteTtlSec'>,
  userId: string,
): Promise<LiveSession[]> {
  if (!isUuid(userId)) return [];
  return sessionsStore(deps.db).listLiveSessions(userId, deps.absoluteTtlSec, MAX_LISTED_SESSIONS);
}

/** Whether the token's session is still live (revoked sessions' access tokens get no self-service). */
export async function sessionIsLive(
  deps: Pick<SessionsDeps, 'db'>,
  claims: { sub: string; sid?: string | undefined },
): Promise<boolean> {
  if (!isUuid(claims.sub) || !isUuid(claims.sid)) return false;
  return sessionsStore(deps.db).isSessionLive(claims.sid, claims.sub);
}

/**
 * Revokes the user's session `sessionId` (`{ id }`) or all their sessions but `exceptId`; returns
 * the ids revoked (empty when there was nothing live of theirs to revoke).
 */
export async function revokeOwnSessions(
  deps: Pick<SessionsDeps, 'db'>,
  userId: string,
  which: { id: string } | { exceptId: string | undefined },
): Promise<string[]> {
  if (!isUuid(userId) || ('id' in which && !isUuid(which.id))) return [];
  return deps.db.transaction().execute(async (trx) => {
    const store = sessionsStore(trx);
    const revoked = await store.revokeSessions(userId, 'user_revoked', which);
    for (const sessionId of revoked) {
      await store.revokeFamiliesOfSession(sessionId, 'user_revoked');
      await enqueueEvent(
        trx,
        createEvent('identity.session.revoked', {
          user_id: userId,
          session_id: sessionId,
          reason: 'user_revoked',
          actor: { type: 'user', id: userId },
        }),
      );
    }
    return revoked;
  });
}
