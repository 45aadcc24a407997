/**
 * Use case: `POST /v1/me/password` (identity.md "Self-service account").
 *
 * 1. The current password is checked like a login: the throttle reserves an attempt on the
 *    account (its address) and the client IP; a wrong password counts as a failed login and can
 *    lock the account (then `429`).
 * 2. The new password must pass the policy (`400` on `/body/new_password`).
 * 3. One transaction: the new hash, every other live session of the user revoked (one
 *    `identity.session.revoked` each), pending reset links deleted, `identity.password.changed`
 *    (method `change`). The caller's own session stays.
 */
import { createEvent } from '@authplatform/contracts';
import { problems } from '@authplatform/service-kit';
import { dummyVerify, hashPassword, verifyPassword } from '../../domain/password/index.ts';
import type { LoginSubject } from '../../domain/throttle/index.ts';
import { credentialsStore } from '../../store/credentials/credentials-store.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import { announceLock } from '../accounts/announce-lock.ts';
import { currentUser, type MeClaims } from './current-user.ts';
import type { CredentialsDeps } from './deps.ts';
import { passwordRejected, wrongCurrentPassword } from './errors.ts';
import { revokeSessions } from './revoke-sessions.ts';

export interface ChangePasswordInput {
  current_password: string;
  new_password: string;
}

export async function changePassword(
  deps: CredentialsDeps,
  claims: MeClaims,
  input: ChangePasswordInput,
  client: { ip: string },
): Promise<{ sessionsRevoked: number }> {
  const { user, sessionId } = await currentUser(deps, claims);
  const subject: LoginSubject = { account: user.email, ip: client.ip };
  const gate = await deps.throttle.begin(subject);
  if (!gate.allowed) {
    if (gate.newlyLocked === true) await announceLock(deps, user.id, gate.retryAfterSec);
    throw problems.tooManyRequests(gate.retryAfterSec);
  }
  const result =
    user.password_hash === null
      ? await dummyVerify(input.current_password)
      : await verifyPassword(user.password_hash, input.current_password);
  if (!result.ok) {
    const after = await deps.throttle.recordFailure(subject);
    if (after.newlyLocked === true) await announceLock(deps, user.id, after.retryAfterSec);
    throw wrongCurrentPassword();
  }
  await deps.throttle.recordSuccess(subject);

  const checked = deps.policy.check(input.new_password, { email: user.email });
  if (!checked.ok) throw passwordRejected('/body/new_password', checked.reasons);
  const passwordHash = await hashPassword(checked.password);

  const sessionsRevoked = await deps.db.transaction().execute(async (trx) => {
    const store = credentialsStore(trx);
    await store.setPasswordHash(user.id, passwordHash);
    await store.deleteUnusedTokens(user.id, 'password_reset');
    const revoked = await revokeSessions(
      trx,
      user.id,
      'password_changed',
      { type: 'user', id: user.id },
      sessionId,
    );
    await enqueueEvent(
      trx,
      createEvent('identity.password.changed', {
        user_id: user.id,
        method: 'change',
        sessions_revoked: revoked,
      }),
    );
    return revoked;
  });
  return { sessionsRevoked };
}
