/**
 * Use case: `DELETE /v1/me` — the user deletes their account (identity.md "Self-service account";
 * audit.md: identity's `DELETE /v1/me` starts an erasure across services).
 *
 * Needs a recent login (`auth_time` within `RECENT_AUTH_MAX_AGE_SEC`), else `403
 * reauthentication_required`. One transaction records the deletion with a new erasure request id
 * (`account_deletions`), disables the user (no login, no reset), revokes every session (reason
 * `user_deleted`), drops pending credential tokens and enqueues `identity.user.deleted`
 * { actor, erasure_request_id }. Idempotent: a second call changes nothing and emits nothing.
 */
import { createEvent, uuidv7 } from '@authplatform/contracts';
import type { AccessTokenClaims } from '@authplatform/service-kit';
import { isRecentAuth, RECENT_AUTH_MAX_AGE_SEC } from '../../domain/credentials/recent-auth.ts';
import { credentialsStore } from '../../store/credentials/credentials-store.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import type { CredentialsDeps } from './deps.ts';
import { reauthenticationRequired, userSessionRequired } from './errors.ts';
import { type Actor, revokeSessions } from './revoke-sessions.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The erasure request id when this call deleted the account; undefined when it already was. */
export async function deleteAccount(
  deps: CredentialsDeps,
  claims: Pick<AccessTokenClaims, 'sub' | 'sid' | 'auth_time'>,
): Promise<{ erasureRequestId: string | undefined }> {
  const { sub, sid } = claims;
  if (typeof sid !== 'string' || !UUID.test(sid) || !UUID.test(sub)) throw userSessionRequired();
  if (!isRecentAuth(claims.auth_time, deps.nowSec())) throw reauthenticationRequired(RECENT_AUTH_MAX_AGE_SEC);
  return deleteUser(deps, sub, { type: 'user', id: sub });
}

/**
 * Deletes the account `userId` on behalf of `actor` (the user themself, or an admin through
 * `DELETE /v1/admin/users/{id}`): the deletion record with a new erasure request id, the account
 * disabled, every session revoked (`user_deleted`), pending link tokens dropped and
 * `identity.user.deleted` enqueued, in one transaction. Undefined `erasureRequestId` when the account
 * was already deleted (nothing changes); throws `userSessionRequired` for an unknown user — callers
 * that can meet one (admins) look it up first.
 */
export async function deleteUser(
  deps: Pick<CredentialsDeps, 'db'>,
  userId: string,
  actor: Actor,
): Promise<{ erasureRequestId: string | undefined }> {
  const erasureRequestId = uuidv7();
  return deps.db.transaction().execute(async (trx) => {
    const store = credentialsStore(trx);
    const user = await store.findUserById(userId);
    if (user === undefined) throw userSessionRequired();
    const recorded = await store.recordDeletion({
      user_id: user.id,
      erasure_request_id: erasureRequestId,
      actor_type: actor.type,
      actor_id: actor.id ?? null,
    });
    if (!recorded) return { erasureRequestId: undefined };
    await store.disableUser(user.id);
    await store.deleteUnusedTokens(user.id);
    await revokeSessions(trx, user.id, 'user_deleted', actor);
    await enqueueEvent(
      trx,
      createEvent('identity.user.deleted', {
        user_id: user.id,
        actor,
        erasure_request_id: erasureRequestId,
      }),
    );
    return { erasureRequestId };
  });
}
