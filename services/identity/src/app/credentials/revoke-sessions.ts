/**
 * Revokes sessions of a user inside the caller's transaction, with one `identity.session.revoked`
 * per session. Uses `credentialsStore.revokeUserSessions` (sets `sessions.revoked_at` and `reason`);
 * refresh tokens die with their session once the sessions module joins in there.
 */
import { createEvent, type EventData } from '@authplatform/contracts';
import type { Kysely } from 'kysely';
import { credentialsStore } from '../../store/credentials/credentials-store.ts';
import type { CredentialsDatabase } from '../../store/credentials/schema.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';

export type Actor = NonNullable<EventData<'identity.session.revoked'>['actor']>;

export type RevocationReason = 'password_changed' | 'user_deleted';

export async function revokeSessions(
  trx: Kysely<CredentialsDatabase>,
  userId: string,
  reason: RevocationReason,
  actor: Actor,
  exceptSessionId?: string,
): Promise<number> {
  const revoked = await credentialsStore(trx).revokeUserSessions(userId, reason, exceptSessionId);
  for (const sessionId of revoked) {
    await enqueueEvent(
      trx,
      createEvent('identity.session.revoked', { user_id: userId, session_id: sessionId, reason, actor }),
    );
  }
  return revoked.length;
}
