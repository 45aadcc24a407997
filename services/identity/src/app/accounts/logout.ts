/**
 * Use case: logout — revokes the session of the access token (`sid`) with `identity.session.revoked`.
 * Its access tokens stay valid until they expire (and die at once for introspection); its refresh
 * tokens are revoked with it (`revokeRefreshTokens`, by default `deps.logoutOptions`, wired by
 * `accountsFor`).
 */
import { createEvent } from '@authplatform/contracts';
import type { Kysely, Transaction } from 'kysely';
import { accountsStore } from '../../store/accounts/accounts-store.ts';
import type { AccountsDatabase } from '../../store/accounts/schema.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import type { AccountsDeps } from './deps.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface LogoutOptions {
  /** Revokes the session's refresh tokens, in the same transaction. */
  revokeRefreshTokens?: (trx: Transaction<AccountsDatabase>, sessionId: string) => Promise<void>;
}

/** Revokes the caller's session; true when it was live. Idempotent (a second logout changes nothing). */
export async function logout(
  deps: Pick<AccountsDeps, 'db'> & { logoutOptions?: LogoutOptions | undefined },
  claims: { sub: string; sid?: string | undefined },
  options: LogoutOptions = {},
): Promise<boolean> {
  const { sid, sub } = claims;
  const revokeRefreshTokens = options.revokeRefreshTokens ?? deps.logoutOptions?.revokeRefreshTokens;
  // Tokens without a session (client credentials) or from elsewhere have nothing to revoke.
  if (sid === undefined || !UUID.test(sid) || !UUID.test(sub)) return false;
  const db: Kysely<AccountsDatabase> = deps.db;
  return db.transaction().execute(async (trx) => {
    const revoked = await accountsStore(trx).revokeSession(sid, sub, 'logout');
    if (!revoked) return false;
    await revokeRefreshTokens?.(trx, sid);
    await enqueueEvent(
      trx,
      createEvent('identity.session.revoked', {
        user_id: sub,
        session_id: sid,
        reason: 'logout',
        actor: { type: 'user', id: sub },
      }),
    );
    return true;
  });
}
